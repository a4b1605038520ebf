using System.Globalization;
using System.Text.Json.Serialization;

namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// A tenant's ingest rate, enforced cluster-wide as two token buckets in its rate grain, which all its ingest shards lease from.
/// A bucket holds <c>rate × BurstSeconds</c>, so a tenant idle for a while may send that much at once.
/// </summary>
/// <param name="EventsPerSecond">Sustained events per second.</param>
/// <param name="BytesPerSecond">Sustained request bytes per second (decompressed).</param>
/// <param name="BurstSeconds">Seconds of the sustained rate a tenant may send at once.</param>
/// <remarks>
/// All three are required in JSON: a member left out would read as 0 and be refused as "is 0", naming a value the client
/// never sent.
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record TenantLimits(
    [property: Id(0), JsonRequired, JsonConverter(typeof(FiniteDoubleJsonConverter))] double EventsPerSecond,
    [property: Id(1), JsonRequired, JsonConverter(typeof(FiniteDoubleJsonConverter))] double BytesPerSecond,
    [property: Id(2), JsonRequired, JsonConverter(typeof(FiniteDoubleJsonConverter))] double BurstSeconds)
{
    /// <summary>
    /// At least one event (byte) per second: below that a bucket refills so slowly that its wait
    /// overflows a Retry-After (1e-9 events/s asks for 2,000,000,000 s).
    /// </summary>
    public const double MinRate = 1;

    /// <summary>10,000,000 events/s: 50 times what one 2-core node ingests; above it the limit means "none".</summary>
    public const double MaxEventsPerSecond = 10_000_000;

    /// <summary>10 GB/s: a saturated 100 Gbit/s link is 12.5 GB/s of compressed bytes for a whole cluster.</summary>
    public const double MaxBytesPerSecond = 10_000_000_000;

    /// <summary>0.1 s to 10 min of the sustained rate at once; a longer wait than that is the client's to pace.</summary>
    public const double MinBurstSeconds = 0.1;

    /// <inheritdoc cref="MinBurstSeconds"/>
    public const double MaxBurstSeconds = 600;

    /// <summary>200,000 events/s and 100 MB/s with 2 s of burst: above what one 2-core node ingests.</summary>
    public static TenantLimits Default { get; } = new(200_000, 100_000_000, 2);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        CheckRange(problems, "limits.eventsPerSecond", EventsPerSecond, MinRate, MaxEventsPerSecond);
        CheckRange(problems, "limits.bytesPerSecond", BytesPerSecond, MinRate, MaxBytesPerSecond);
        CheckRange(problems, "limits.burstSeconds", BurstSeconds, MinBurstSeconds, MaxBurstSeconds);
        return problems;
    }

    /// <summary>
    /// These limits moved into their bounds: above the maximum (or +∞) becomes the maximum, below the minimum
    /// the minimum, NaN the default. For settings stored before the bounds were checked, which no answer could
    /// write back as JSON and whose token bucket overflowed.
    /// </summary>
    public TenantLimits Repaired() => new(
        Repair(EventsPerSecond, MinRate, MaxEventsPerSecond, Default.EventsPerSecond),
        Repair(BytesPerSecond, MinRate, MaxBytesPerSecond, Default.BytesPerSecond),
        Repair(BurstSeconds, MinBurstSeconds, MaxBurstSeconds, Default.BurstSeconds));

    private static double Repair(double value, double min, double max, double fallback) => double.IsNaN(value) ? fallback : Math.Clamp(value, min, max);

    // Written as !(in range) so that NaN, which compares false to everything, fails too.
    private static void CheckRange(List<string> problems, string name, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} is {value}: use {min} to {max}."));
        }
    }
}
