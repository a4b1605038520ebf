using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Streaming.Caching;

namespace Orleans.EventPipeline.Streaming.Quarantine;

/// <summary>
/// Reports quarantined messages: every one on the counter <see cref="StreamCacheInstruments.QuarantinedName"/>, and a warning line
/// for the first of a partition in each <see cref="Interval"/>, which says how many the partition had
/// since its previous line. Another client flooding the hub with messages the pipeline cannot read
/// then costs the silo a counter increment each, not a log line each (a line per message was 5,000
/// warnings a second from one misdirected producer, and their formatting slowed the silo reading them).
/// Every message is still kept whole under <c>GET /admin/v1/quarantine</c>.
/// </summary>
public sealed partial class QuarantineLog(ILogger logger, TimeProvider timeProvider)
{
    /// <summary>At most one warning line per partition in this time: 10 s.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    // One entry per partition of the hub: bounded by its partition count.
    private readonly ConcurrentDictionary<string, PartitionLines> _partitions = new(StringComparer.Ordinal);

    public void Quarantined(string partition, long sequenceNumber, string offset, int bytes, string reason)
    {
        StreamCacheInstruments.RecordQuarantined(partition);
        var lines = _partitions.GetOrAdd(partition, static _ => new PartitionLines());
        long unlogged;
        lock (lines)
        {
            var now = timeProvider.GetTimestamp();
            if (lines.LoggedAt is { } at && timeProvider.GetElapsedTime(at, now) < Interval)
            {
                lines.Unlogged++;
                return;
            }

            unlogged = lines.Unlogged;
            lines.Unlogged = 0;
            lines.LoggedAt = now;
        }

        LogQuarantined(logger, sequenceNumber, offset, bytes, partition, reason, unlogged, Interval.TotalSeconds);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quarantined message {SequenceNumber} (offset {Offset}, {Bytes} bytes) of partition {Partition}: {Reason}. It is kept whole under GET /admin/v1/quarantine; the partition goes on. {Unlogged} more of this partition were quarantined since its previous line; at most one line per partition every {IntervalSeconds} s, every message counted on eventpipeline.quarantine.messages")]
    private static partial void LogQuarantined(ILogger logger, long sequenceNumber, string offset, int bytes, string partition, string reason, long unlogged, double intervalSeconds);

    private sealed class PartitionLines
    {
        public long? LoggedAt { get; set; }

        public long Unlogged { get; set; }
    }
}
