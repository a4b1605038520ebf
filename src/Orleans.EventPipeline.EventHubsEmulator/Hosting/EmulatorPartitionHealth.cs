using Orleans.EventPipeline.EventHubsEmulator.Log;

namespace Orleans.EventPipeline.EventHubsEmulator.Hosting;

/// <summary>Whether one partition of a hub accepts appends now (see <see cref="PartitionLogHealth"/>).</summary>
public sealed record EmulatorPartitionHealth(string Hub, string PartitionId, PartitionLogHealth Health)
{
    /// <summary>The entity path clients and errors name, e.g. <c>events/Partitions/0</c>.</summary>
    public string Path => $"{Hub}/Partitions/{PartitionId}";
}
