using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// The dashboard's live figures per tenant, read from the pipeline's own instruments with a
/// <see cref="MeterListener"/>: the same measurements <c>/metrics</c> exports, summed here per tenant (the
/// bounded <c>tenant</c> tag, so tenants over <c>Pipeline:Telemetry:MaxTenantTags</c> share <c>_other</c>),
/// since this silo started. Ingested events are also kept per 10 s for the last hour, for the rate and
/// the chart. Each measurement is one request's (or one archive object's), never one event's, and costs a
/// dictionary lookup and a lock held for a few additions.
/// </summary>
/// <remarks>
/// Per silo, like the instruments: a gateway silo sees what it ingested; dead letters and archive lag are
/// recorded where the processing grains run. <see cref="TenantActivityPusher"/> sends what changed here to the
/// cluster's aggregate (<see cref="ITenantActivityGrain"/>), which the pages read; this silo's own figures are
/// their fallback when the aggregate cannot be read.
/// </remarks>
public sealed class TenantActivity : IHostedService, IDisposable
{
    /// <summary>10 s buckets: a rate over the last minute moves within seconds of a change.</summary>
    public static readonly TimeSpan BucketWidth = TenantActivityBuckets.Width;

    /// <summary>360 buckets of 10 s: the chart's hour.</summary>
    public const int Buckets = TenantActivityBuckets.Count;

    // The instruments' names, as IngestInstruments and ProcessingGrainInstruments create them.
    private const string IngestEvents = "eventpipeline.ingest.events";
    private const string IngestBytes = "eventpipeline.ingest.bytes";
    private const string IngestRejected = "eventpipeline.ingest.rejected";
    private const string IngestThrottled = "eventpipeline.ingest.throttled";
    private const string DeadLetters = "eventpipeline.deadletters";
    private const string ArchiveLag = "eventpipeline.archive.lag";

    private readonly ConcurrentDictionary<string, TenantCounters> _tenants = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly MeterListener _listener = new();

    public TenantActivity(TimeProvider time)
    {
        _time = time;
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name is IngestInstruments.MeterName or ProcessingGrainInstruments.MeterName
                && instrument.Name is IngestEvents or IngestBytes or IngestRejected or IngestThrottled or DeadLetters or ArchiveLag)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnLong);
        _listener.SetMeasurementEventCallback<double>(OnDouble);
    }

    /// <summary>Starts listening; the instruments already created are published to the listener now, later ones when created.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();

    /// <summary>
    /// A tenant's figures now; zeros for a tenant this silo has not recorded, and <see cref="TenantFigures.Untracked"/>
    /// for one past the tenant-tag cap, whose measurements are summed under <see cref="TenantTag.Other"/>.
    /// </summary>
    public TenantFigures Figures(string tenantId)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        if (!TenantTag.IsTracked(tenantId))
        {
            // Its zeros would read as an idle tenant: it may be sending, counted with the others past the cap.
            return TenantFigures.Untracked;
        }

        return _tenants.TryGetValue(tenantId, out var counters)
            ? counters.Snapshot(Slot(_time.GetUtcNow()))
            : TenantFigures.None;
    }

    /// <summary>Every tenant's events per 10 s bucket over the last hour, summed: the overview chart.</summary>
    public long[] TotalSeries()
    {
        var slot = Slot(_time.GetUtcNow());
        var total = new long[Buckets];
        foreach (var counters in _tenants.Values)
        {
            var series = counters.Snapshot(slot).Series;
            for (var i = 0; i < Buckets; i++)
            {
                total[i] += series[i];
            }
        }

        return total;
    }

    /// <summary>
    /// What every tenant recorded here since the previous call, and marks it taken: the caller owns these deltas
    /// from now on (it keeps them until the aggregate has them). Only tenants that changed; empty when none did.
    /// </summary>
    public List<TenantActivityDelta> TakeDeltas()
    {
        var slot = Slot(_time.GetUtcNow());
        var deltas = new List<TenantActivityDelta>();
        foreach (var (tenant, counters) in _tenants)
        {
            if (counters.TakeDelta(tenant, slot) is { } delta)
            {
                deltas.Add(delta);
            }
        }

        return deltas;
    }

    private static long Slot(DateTimeOffset now) => TenantActivityBuckets.SlotOf(now);

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (TenantOf(tags) is not { } tenant)
        {
            return;
        }

        var counters = _tenants.GetOrAdd(tenant, static _ => new TenantCounters());
        switch (instrument.Name)
        {
            case IngestEvents:
                counters.AddEvents(value, Slot(_time.GetUtcNow()));
                break;
            case IngestBytes:
                Interlocked.Add(ref counters.Bytes, value);
                break;
            case IngestRejected:
                Interlocked.Add(ref counters.Rejected, value);
                break;
            case IngestThrottled:
                Interlocked.Add(ref counters.Throttled, value);
                break;
            case DeadLetters:
                Interlocked.Add(ref counters.DeadLetters, value);
                break;
        }
    }

    private void OnDouble(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == ArchiveLag && TenantOf(tags) is { } tenant)
        {
            _tenants.GetOrAdd(tenant, static _ => new TenantCounters()).SetArchiveLag(value, _time.GetUtcNow());
        }
    }

    /// <summary>
    /// The measurement's tenant; null for none, and for the gateways' start-up warm-up (<see cref="TenantId.Warmup"/>):
    /// the pages show the operator's tenants, and a spike of the silo's own at each start would read as theirs.
    /// </summary>
    private static string? TenantOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == TenantTag.Name)
            {
                return tag.Value is string tenant && tenant != TenantId.Warmup ? tenant : null;
            }
        }

        return null;
    }

    private sealed class TenantCounters
    {
        public long Bytes;
        public long Rejected;
        public long Throttled;
        public long DeadLetters;

        private readonly Lock _gate = new();
        private readonly BucketRing _series = new();
        private long _events;
        private double? _archiveLag;
        private DateTimeOffset? _archiveLagAt;

        // What TakeDelta handed out already: the counts as of then, and per bucket its count as of then.
        private readonly BucketRing _pushedSeries = new();
        private long _pushedEvents;
        private long _pushedBytes;
        private long _pushedRejected;
        private long _pushedThrottled;
        private long _pushedDeadLetters;
        private DateTimeOffset? _pushedLagAt;

        public TenantActivityDelta? TakeDelta(string tenant, long slot)
        {
            lock (_gate)
            {
                var buckets = new List<TenantActivityBucket>();
                for (var i = 0; i < Buckets; i++)
                {
                    var bucket = slot - (Buckets - 1) + i;
                    if (!_series.Holds(bucket))
                    {
                        continue;
                    }

                    var count = _series.CountAt(bucket);
                    var pushed = _pushedSeries.CountAt(bucket);
                    if (count != pushed)
                    {
                        buckets.Add(new TenantActivityBucket(bucket, count - pushed));
                        _pushedSeries.Set(bucket, count);
                    }
                }

                var bytes = Interlocked.Read(ref Bytes);
                var rejected = Interlocked.Read(ref Rejected);
                var throttled = Interlocked.Read(ref Throttled);
                var deadLetters = Interlocked.Read(ref DeadLetters);
                var lagChanged = _archiveLagAt != _pushedLagAt;
                var delta = new TenantActivityDelta(
                    tenant,
                    _events - _pushedEvents,
                    bytes - _pushedBytes,
                    rejected - _pushedRejected,
                    throttled - _pushedThrottled,
                    deadLetters - _pushedDeadLetters,
                    lagChanged ? _archiveLag : null,
                    lagChanged ? _archiveLagAt : null,
                    buckets);
                _pushedEvents = _events;
                _pushedBytes = bytes;
                _pushedRejected = rejected;
                _pushedThrottled = throttled;
                _pushedDeadLetters = deadLetters;
                _pushedLagAt = _archiveLagAt;
                return delta is { Events: 0, Bytes: 0, Rejected: 0, Throttled: 0, DeadLetters: 0, ArchiveLagAt: null, Buckets.Count: 0 } ? null : delta;
            }
        }

        public void AddEvents(long value, long slot)
        {
            lock (_gate)
            {
                _series.Add(slot, value);
                _events += value;
            }
        }

        public void SetArchiveLag(double seconds, DateTimeOffset at)
        {
            lock (_gate)
            {
                _archiveLag = seconds;
                _archiveLagAt = at;
            }
        }

        /// <summary>The figures, the series oldest bucket first and ending with the current one.</summary>
        public TenantFigures Snapshot(long slot)
        {
            long[] series;
            long events;
            double? lag;
            DateTimeOffset? lagAt;
            lock (_gate)
            {
                series = _series.Series(slot);
                events = _events;
                lag = _archiveLag;
                lagAt = _archiveLagAt;
            }

            return new TenantFigures(events, Interlocked.Read(ref Bytes), Interlocked.Read(ref Rejected), Interlocked.Read(ref Throttled), Interlocked.Read(ref DeadLetters), lag, lagAt, series);
        }
    }
}

/// <summary>One tenant's figures on this silo since it started.</summary>
/// <param name="Series">Events acknowledged per <see cref="TenantActivity.BucketWidth"/> over the last hour, oldest first.</param>
/// <param name="ArchiveLagSeconds">The archive lag of the tenant's latest archive object, null before the first.</param>
public sealed record TenantFigures(
    long Events,
    long Bytes,
    long Rejected,
    long Throttled,
    long DeadLetters,
    double? ArchiveLagSeconds,
    DateTimeOffset? ArchiveLagAt,
    long[] Series)
{
    public static TenantFigures None { get; } = new(0, 0, 0, 0, 0, null, null, new long[TenantActivity.Buckets]);

    /// <summary>A tenant past <c>Pipeline:Telemetry:MaxTenantTags</c>: its figures are in <see cref="TenantTag.Other"/>'s.</summary>
    public static TenantFigures Untracked { get; } = None with { IsTracked = false };

    /// <summary>False when the tenant's measurements are counted under <see cref="TenantTag.Other"/>, not its own id.</summary>
    public bool IsTracked { get; init; } = true;

    /// <summary>Events per second over the last minute: the 6 newest buckets, the current one partly filled.</summary>
    public double EventsPerSecond
    {
        get
        {
            const int Minute = 6;
            long sum = 0;
            for (var i = Series.Length - Minute; i < Series.Length; i++)
            {
                sum += Series[i];
            }

            return sum / (Minute * TenantActivity.BucketWidth.TotalSeconds);
        }
    }
}
