namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// A tenant's ingest rate, enforced cluster-wide by its ingest grain as two token buckets.
/// A bucket holds <c>rate × BurstSeconds</c>, so a tenant idle for a while may send that much at once.
/// </summary>
/// <param name="EventsPerSecond">Sustained events per second.</param>
/// <param name="BytesPerSecond">Sustained request bytes per second (decompressed).</param>
/// <param name="BurstSeconds">Seconds of the sustained rate a tenant may send at once.</param>
[GenerateSerializer, Immutable]
public sealed record TenantLimits(
    [property: Id(0)] double EventsPerSecond,
    [property: Id(1)] double BytesPerSecond,
    [property: Id(2)] double BurstSeconds)
{
    /// <summary>200,000 events/s and 100 MB/s with 2 s of burst: above what one 2-core node ingests.</summary>
    public static TenantLimits Default { get; } = new(200_000, 100_000_000, 2);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!(EventsPerSecond > 0))
        {
            problems.Add($"limits.eventsPerSecond is {EventsPerSecond}: use a positive number.");
        }

        if (!(BytesPerSecond > 0))
        {
            problems.Add($"limits.bytesPerSecond is {BytesPerSecond}: use a positive number.");
        }

        if (!(BurstSeconds >= 0.1) || BurstSeconds > 600)
        {
            problems.Add($"limits.burstSeconds is {BurstSeconds}: use 0.1 to 600.");
        }

        return problems;
    }
}
