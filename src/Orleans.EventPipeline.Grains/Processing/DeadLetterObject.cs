namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// A pointer to one object of kept dead letters (<see cref="DeadLetterStore"/>) with each letter's raw size,
/// so the retention bounds are kept letter by letter without reading the object.
/// </summary>
[GenerateSerializer]
public sealed class DeadLetterObject
{
    [Id(0)] public long Number { get; set; }

    /// <summary>Raw bytes of each letter in the object, oldest first.</summary>
    [Id(1)] public int[] RawSizes { get; set; } = [];

    /// <summary>Letters at the start of the object past the retention bounds: copied to a past object, no longer listed or replayed.</summary>
    [Id(2)] public int Dropped { get; set; }

    public int Kept => RawSizes.Length - Dropped;
}
