namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// The bytes one kind of buffer holds across this silo's grains, against a budget. Each buffer is bounded on
/// its own, but a silo with many tenants would hold one buffer's worth per tenant shard; over the budget, a
/// grain whose buffer is at least the average shrinks it, so the largest go first and the total comes back under.
/// </summary>
public abstract class BufferBudget(long maxBytes)
{
    private long _held;
    private long _buffers;

    public long MaxBytes { get; } = maxBytes;

    /// <summary>Bytes all buffers hold, as last reported.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>The budget shared by the buffers that hold anything: what a buffer asked to shrink keeps at most.</summary>
    public long FairShare => MaxBytes / Math.Max(1, Interlocked.Read(ref _buffers));

    /// <summary>Replaces one buffer's last report (<paramref name="reported"/>) with <paramref name="now"/>.</summary>
    public void Report(ref long reported, long now)
    {
        if ((reported == 0) != (now == 0))
        {
            Interlocked.Add(ref _buffers, now == 0 ? -1 : 1);
        }

        Interlocked.Add(ref _held, now - reported);
        reported = now;
    }

    /// <summary>Whether a buffer of <paramref name="bytes"/> should shrink now for the silo's budget.</summary>
    public bool AsksToShrink(long bytes)
    {
        var held = Held;
        var buffers = Interlocked.Read(ref _buffers);
        return bytes > 0 && held > MaxBytes && buffers > 0 && bytes >= held / buffers;
    }
}
