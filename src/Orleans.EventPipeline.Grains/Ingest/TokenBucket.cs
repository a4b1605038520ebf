namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>
/// A token bucket refilled at <c>rate</c> per second up to <c>rate × burstSeconds</c>. A request
/// larger than the whole bucket is let through when the bucket is full (leaving it in debt), so no
/// request size is refused forever; the debt then delays the next ones.
/// </summary>
public sealed class TokenBucket(double ratePerSecond, double burstSeconds, long nowTimestamp)
{
    private readonly double _rate = ratePerSecond;
    private readonly double _capacity = ratePerSecond * burstSeconds;
    private double _tokens = ratePerSecond * burstSeconds;
    private long _updated = nowTimestamp;

    /// <summary>Whether <paramref name="cost"/> fits now, and if not, how long until it would.</summary>
    public bool CanTake(double cost, long nowTimestamp, TimeProvider time, out TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(time);
        Refill(nowTimestamp, time);
        if (_tokens >= cost || _tokens >= _capacity)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }

        var needed = Math.Min(cost, _capacity) - _tokens;
        retryAfter = TimeSpan.FromSeconds(needed / _rate);
        return false;
    }

    /// <summary>Takes tokens after <see cref="CanTake"/> said yes for every bucket of the request.</summary>
    public void Take(double cost) => _tokens -= cost;

    /// <summary>
    /// Takes at least <paramref name="need"/> (after <see cref="CanTake"/> said yes for it) and up to
    /// <paramref name="block"/> while tokens last: a lease handed to one ingest shard, which spends it locally.
    /// </summary>
    public double TakeUpTo(double need, double block)
    {
        var granted = Math.Max(need, Math.Min(block, _tokens));
        _tokens -= granted;
        return granted;
    }

    private void Refill(long nowTimestamp, TimeProvider time)
    {
        var elapsed = time.GetElapsedTime(_updated, nowTimestamp).TotalSeconds;
        _updated = nowTimestamp;
        _tokens = Math.Min(_capacity, _tokens + (elapsed * _rate));
    }
}
