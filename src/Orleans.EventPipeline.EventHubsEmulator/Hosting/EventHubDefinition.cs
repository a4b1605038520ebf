namespace Orleans.EventPipeline.EventHubsEmulator.Hosting;

/// <summary>One hub to serve.</summary>
public sealed class EventHubDefinition
{
    /// <summary>Number of partitions, ids "0".."n-1". Between 1 and 1024. Default 4.</summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>Consumer groups besides <c>$Default</c>, which always exists.</summary>
    public List<string> ConsumerGroups { get; set; } = [];
}
