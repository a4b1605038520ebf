using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Ordering;
using Orleans.EventPipeline.Streams;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Cuts events for a derived stream into parts that fit one stream message. The derived streams refuse a
/// message over 1 MiB (their cache's block size): a 1 MB raw batch of 1,000 JSON events is about 2.7 MB
/// once normalized and serialized, and a flushed reorder buffer holds up to 100,000 events.
/// </summary>
public static class NormalizedBatchPublisher
{
    /// <summary>
    /// Estimated bytes per part, 256 KiB: a quarter of the 1 MiB limit, so the part still fits when the
    /// estimate below is off by the per-value overhead of the serializer.
    /// </summary>
    public const int MaxPartBytes = 256 * 1024;

    /// <summary>
    /// Consecutive parts of <paramref name="events"/> from <paramref name="offset"/> on, each at most
    /// <paramref name="maxBytes"/> (or one event): an entry held serialized counts its bytes, a parsed one its estimate.
    /// </summary>
    public static IEnumerable<SerializedEventList> Split(ReleasedEvents events, int offset, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, events.Count);
        foreach (var range in MessageChunks.Cut(events.Count - offset, i => events.BytesAt(offset + i, EstimatedBytes), maxBytes))
        {
            var (start, length) = range.GetOffsetAndLength(events.Count - offset);
            yield return events.Slice(offset + start, length);
        }
    }

    /// <summary>UTF-8 is at most 3 bytes per UTF-16 char; each field costs a few bytes of tags besides.</summary>
    public static long EstimatedBytes(NormalizedEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        long chars = e.TenantId.Length + e.EventId.Length + e.Body.Length + (e.SeverityText?.Length ?? 0);
        long fields = 12;
        foreach (var (name, value) in e.Attributes)
        {
            chars += name.Length + (value.Text?.Length ?? 0);
            fields += 2;
        }

        foreach (var (name, value) in e.Resource)
        {
            chars += name.Length + value.Length;
            fields += 2;
        }

        return (chars * 3) + (fields * 10);
    }
}
