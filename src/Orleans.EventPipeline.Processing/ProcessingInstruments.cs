using System.Diagnostics.Metrics;

namespace Orleans.EventPipeline.Processing;

/// <summary>
/// The processing stages' metrics, on the meter <see cref="MeterName"/>. Each is tagged with the tenant,
/// bounded by <see cref="TenantTag.Cap"/>.
/// </summary>
public static class ProcessingInstruments
{
    public const string MeterName = "Orleans.EventPipeline.Processing";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Parsed = Meter.CreateCounter<long>("eventpipeline.events.parsed", "{event}", "Raw events parsed into the normalized schema.");
    private static readonly Counter<long> ParseFailed = Meter.CreateCounter<long>("eventpipeline.events.parse_failed", "{event}", "Raw events that failed to parse and were dead-lettered.");
    private static readonly Counter<long> Unenriched = Meter.CreateCounter<long>("eventpipeline.events.unenriched", "{event}", "Events passed on without their enrichment, marked enrichment.error: a table or GeoIP file this silo could not load or read.");
    private static readonly Counter<long> Late = Meter.CreateCounter<long>("eventpipeline.events.late", "{event}", "Events released behind the ordering watermark or too far ahead of the clock, flagged late.");
    private static readonly Counter<long> ArchivedEvents = Meter.CreateCounter<long>("eventpipeline.events.archived", "{event}", "Events written to the archive, counted once their object is durable.");
    private static readonly Counter<long> ArchiveObjects = Meter.CreateCounter<long>("eventpipeline.archive.objects", "{object}", "Archive objects written.");
    private static readonly Counter<long> ArchiveBytes = Meter.CreateCounter<long>("eventpipeline.archive.bytes", "By", "Compressed bytes written to the archive.");

    internal static void RecordParsed(string tenantId, int parsed, int failed)
    {
        var tenant = TenantTag.For(tenantId);
        Parsed.Add(parsed, tenant);
        if (failed > 0)
        {
            ParseFailed.Add(failed, tenant);
        }
    }

    internal static void RecordUnenriched(string tenantId, int events) => Unenriched.Add(events, TenantTag.For(tenantId));

    /// <summary>Starts <paramref name="tenantId"/>'s unenriched counter at 0 (its processor built its stages), so an alert's rate sees the first.</summary>
    public static void StartUnenriched(string tenantId) => Unenriched.Add(0, TenantTag.For(tenantId));

    internal static void RecordLate(string tenantId) => Late.Add(1, TenantTag.For(tenantId));

    internal static void RecordArchived(string tenantId, int events, int compressedBytes)
    {
        var tenant = TenantTag.For(tenantId);
        ArchivedEvents.Add(events, tenant);
        ArchiveObjects.Add(1, tenant);
        ArchiveBytes.Add(compressedBytes, tenant);
    }
}
