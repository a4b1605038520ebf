using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>
/// A real silo process with HEC's ack caps made small, so a test reaches them in a few requests: 5 channels on the
/// gateway (<c>HecMaxChannels</c>), 2 per tenant (<c>HecMaxChannelsPerTenant</c>), 2 unread acks per channel (<c>HecMaxAcksPerChannel</c>).
/// </summary>
public sealed class HecCapsPipelineFixture : SiloPipelineFixture
{
    public const int MaxChannels = 5;
    public const int MaxChannelsPerTenant = 2;
    public const int MaxAcksPerChannel = 2;

    private protected override Task<SiloProcess> StartSiloAsync(string dataDirectory) => SiloProcess.StartReadyAsync(
        dataDirectory,
        $"--Pipeline:Shippers:HecMaxChannels={MaxChannels}",
        $"--Pipeline:Shippers:HecMaxChannelsPerTenant={MaxChannelsPerTenant}",
        $"--Pipeline:Shippers:HecMaxAcksPerChannel={MaxAcksPerChannel}");
}
