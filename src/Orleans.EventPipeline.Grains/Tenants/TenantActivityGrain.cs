using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Tenants;

/// <summary>
/// Sums the silos' pushes of live figures (<see cref="ITenantActivityGrain"/>). In memory only: the figures are a
/// dashboard's live view, the durable record is the metrics backend; persisting every push would write
/// storage every few seconds per silo for figures that mean "since then" anyway.
/// </summary>
public sealed class TenantActivityGrain(TimeProvider time) : Grain, ITenantActivityGrain
{
    // The last sequence number taken per silo process: a push at or below it is a retry that landed before.
    private readonly Dictionary<string, long> _lastSequence = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Totals> _tenants = new(StringComparer.Ordinal);

    public Task<bool> PushAsync(TenantActivityPush push)
    {
        ArgumentNullException.ThrowIfNull(push);
        if (_lastSequence.TryGetValue(push.Silo, out var last) && push.Sequence <= last)
        {
            return Task.FromResult(false);
        }

        _lastSequence[push.Silo] = push.Sequence;
        var current = TenantActivityBuckets.SlotOf(time.GetUtcNow());
        foreach (var delta in push.Tenants)
        {
            if (!_tenants.TryGetValue(delta.TenantId, out var totals))
            {
                totals = new Totals();
                _tenants.Add(delta.TenantId, totals);
            }

            totals.Add(delta, current);
        }

        return Task.FromResult(true);
    }

    public Task<TenantActivitySnapshot> ReadAsync()
    {
        var slot = TenantActivityBuckets.SlotOf(time.GetUtcNow());
        var tenants = new Dictionary<string, TenantActivityTotals>(_tenants.Count, StringComparer.Ordinal);
        foreach (var (tenant, totals) in _tenants)
        {
            tenants.Add(tenant, totals.Snapshot(slot));
        }

        return Task.FromResult(new TenantActivitySnapshot(slot, tenants));
    }

    // Keep the activation: its sums are the only copy (idle collection would drop them).
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        DelayDeactivation(TimeSpan.FromDays(3650));
        return Task.CompletedTask;
    }

    private sealed class Totals
    {
        private const int Count = TenantActivityBuckets.Count;
        private readonly BucketRing _series = new();
        private long _events;
        private long _bytes;
        private long _rejected;
        private long _throttled;
        private long _deadLetters;
        private double? _lag;
        private DateTimeOffset? _lagAt;

        public void Add(TenantActivityDelta delta, long current)
        {
            _events += delta.Events;
            _bytes += delta.Bytes;
            _rejected += delta.Rejected;
            _throttled += delta.Throttled;
            _deadLetters += delta.DeadLetters;
            // The latest measured lag wins, whichever silo measured it.
            if (delta.ArchiveLagAt is { } at && (_lagAt is null || at >= _lagAt))
            {
                _lag = delta.ArchiveLagSeconds;
                _lagAt = at;
            }

            foreach (var bucket in delta.Buckets)
            {
                // Older than the hour, or ahead of this silo's clock by more than the ring: not charted.
                if (bucket.Slot <= current - Count || bucket.Slot > current + Count / 2)
                {
                    continue;
                }

                _series.Add(bucket.Slot, bucket.Events);
            }
        }

        public TenantActivityTotals Snapshot(long slot)
        {
            var series = _series.Series(slot);
            return new TenantActivityTotals(_events, _bytes, _rejected, _throttled, _deadLetters, _lag, _lagAt, series);
        }
    }
}
