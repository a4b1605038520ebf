namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>
/// One ingest shard's part of its tenant's rate: tokens leased in blocks from the tenant's
/// <see cref="ITenantRateGrain"/> and spent here. A request calls that grain only when the block is spent;
/// concurrent requests that find it spent share one lease call, and after a refusal the shard refuses on
/// its own until the wait it was given is over.
/// </summary>
/// <remarks>Used from one reentrant grain activation: its bookkeeping runs between awaits and needs no lock.</remarks>
public sealed class ShardRateLimiter(ITenantRateGrain rate, TimeProvider timeProvider)
{
    private double _events;
    private double _bytes;
    private long _refusedUntil;
    private bool _refused;
    private int _generation;
    private Task? _pending;

    /// <summary>Forgets leased tokens and refusals: the tenant's limits changed, and its rate grain started over.</summary>
    public void Reset()
    {
        _events = 0;
        _bytes = 0;
        _refused = false;
        _generation++;
    }

    /// <summary>Null when the request is admitted (its tokens are spent); otherwise how long until the tenant has them.</summary>
    public async ValueTask<TimeSpan?> AdmitAsync(double events, double bytes)
    {
        while (true)
        {
            if (_events >= events && _bytes >= bytes)
            {
                _events -= events;
                _bytes -= bytes;
                return null;
            }

            if (_refused)
            {
                var left = timeProvider.GetElapsedTime(timeProvider.GetTimestamp(), _refusedUntil);
                if (left > TimeSpan.Zero)
                {
                    return left;
                }

                _refused = false;
            }

            var pending = _pending;
            if (pending is null)
            {
                pending = LeaseAsync(Math.Max(0, events - _events), Math.Max(0, bytes - _bytes));
                // A lease that finished at once (a synchronous failure) has already run its cleanup.
                _pending = pending.IsCompleted ? null : pending;
            }

            await pending;
        }
    }

    private async Task LeaseAsync(double events, double bytes)
    {
        var generation = _generation;
        try
        {
            var lease = await rate.LeaseAsync(events, bytes);
            if (generation != _generation)
            {
                return;
            }

            if (lease.RetryAfter is { } wait)
            {
                _refused = true;
                _refusedUntil = timeProvider.GetTimestamp() + (long)(wait.TotalSeconds * timeProvider.TimestampFrequency);
                return;
            }

            _events += lease.Events;
            _bytes += lease.Bytes;
        }
        finally
        {
            _pending = null;
        }
    }
}
