namespace Orleans.EventPipeline.EventHubsEmulator.Hubs;

/// <summary>A configured hub: its partitions (ids "0".."n-1") and consumer groups.</summary>
internal sealed class EventHubEntity(string name, DateTimeOffset createdAt, PartitionEntity[] partitions, IReadOnlySet<string> consumerGroups)
{
    private int _roundRobin = -1;

    public string Name { get; } = name;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public IReadOnlyList<PartitionEntity> Partitions { get; } = partitions;

    public string[] PartitionIds { get; } = [.. partitions.Select(static p => p.Id)];

    public bool HasConsumerGroup(string name) => consumerGroups.Contains(name);

    public bool TryGetPartition(string id, out PartitionEntity partition)
    {
        // Ids are the decimal indexes the hub was created with, so parsing beats a lookup table.
        if (int.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
            && index < partitions.Length
            && partitions[index].Id == id)
        {
            partition = partitions[index];
            return true;
        }

        partition = null!;
        return false;
    }

    /// <summary>The next partition for an unkeyed send to the hub, spreading load evenly.</summary>
    public PartitionEntity NextRoundRobin()
    {
        uint next = unchecked((uint)Interlocked.Increment(ref _roundRobin));
        return partitions[(int)(next % (uint)partitions.Length)];
    }
}
