using System.Collections.Concurrent;
using Orleans.EventPipeline.EventHubsEmulator.Consuming;
using Orleans.EventPipeline.EventHubsEmulator.Log;

namespace Orleans.EventPipeline.EventHubsEmulator.Hubs;

/// <summary>One partition of a hub: its durable log and, per consumer group, who may read it.</summary>
internal sealed class PartitionEntity(string hubName, string id, IPartitionLog log)
{
    private readonly ConcurrentDictionary<string, ReceiverOwnership> _ownership = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<long, string> _corruptRecords = new();

    public string HubName { get; } = hubName;

    public string Id { get; } = id;

    public IPartitionLog Log { get; } = log;

    /// <summary>The entity path the SDK names in errors, e.g. <c>events/Partitions/0</c>.</summary>
    public string Path => $"{HubName}/Partitions/{Id}";

    /// <summary>
    /// Remembers a record the log refused to serve. The SDK silently re-attaches after a link is
    /// detached, resuming at that very record, so the re-attach is refused with the error instead:
    /// that is the only way the consumer's caller gets to see it.
    /// </summary>
    public void ReportCorruptRecord(long sequenceNumber, string message) => _corruptRecords.TryAdd(sequenceNumber, message);

    public bool IsCorruptRecord(long sequenceNumber, out string message) => _corruptRecords.TryGetValue(sequenceNumber, out message!);

    public ReceiverOwnership OwnershipFor(string consumerGroup) =>
        _ownership.GetOrAdd(consumerGroup, static (group, self) => new ReceiverOwnership($"{self.HubName}/ConsumerGroups/{group}/Partitions/{self.Id}"), this);
}
