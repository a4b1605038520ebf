using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// The bytes every archive buffer of this silo holds together, against <see cref="ArchiveOptions.MaxBufferedBytes"/>.
/// Each buffer is bounded by its own flush policy, but a silo processing many tenants would hold up to one
/// policy's worth per tenant shard; over the budget, a processor whose buffer is at least the average flushes
/// it early, so the largest buffers go first and the total comes back under.
/// </summary>
public sealed class ArchiveBufferBudget(IOptions<ArchiveOptions> options)
{
    private readonly long _maxBytes = options.Value.MaxBufferedBytes;
    private long _held;
    private long _buffers;

    /// <summary>Bytes all buffers hold, as last reported.</summary>
    public long Held => Interlocked.Read(ref _held);

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

    /// <summary>Whether a buffer of <paramref name="bytes"/> should be written now for the silo's budget.</summary>
    public bool AsksToFlush(long bytes)
    {
        var held = Held;
        var buffers = Interlocked.Read(ref _buffers);
        return bytes > 0 && held > _maxBytes && buffers > 0 && bytes >= held / buffers;
    }
}
