using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>
/// A real silo process with the shipped key cache (<c>Pipeline:Gateway:ApiKeyCacheDuration</c>, 30 s): what revoking
/// a key must get past. <see cref="LocalPipelineFixture"/> turns the cache off and so cannot see it.
/// </summary>
public sealed class CachedKeysPipelineFixture : SiloPipelineFixture
{
    private protected override Task<SiloProcess> StartSiloAsync(string dataDirectory) => SiloProcess.StartReadyAsync(dataDirectory);
}
