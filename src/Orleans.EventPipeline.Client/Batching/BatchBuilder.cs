using System.Buffers;
using System.IO.Compression;

namespace Orleans.EventPipeline.Client.Batching;

/// <summary>
/// The batch being filled: events joined by <c>\n</c> into one reused buffer (no allocation per event), and
/// when its first event came, for the time cut.
/// </summary>
internal sealed class BatchBuilder
{
    private readonly ArrayBufferWriter<byte> _body = new(64 * 1024);

    public int Count { get; private set; }

    public int Bytes => _body.WrittenCount;

    /// <summary>When the first event of this batch was added; null while it is empty.</summary>
    public DateTimeOffset? FirstEventAt { get; private set; }

    public void Add(IReadOnlyList<ReadOnlyMemory<byte>> events, DateTimeOffset now)
    {
        if (events.Count == 0)
        {
            return;
        }

        FirstEventAt ??= now;
        foreach (var item in events)
        {
            _body.Write(item.Span);
            _body.Write("\n"u8);
        }

        Count += events.Count;
    }

    /// <summary>The body as sent, gzip'd or not; the events stay until <see cref="Clear"/> (once the body is spooled).</summary>
    public byte[] Body(bool gzip)
    {
        byte[] body;
        if (gzip)
        {
            using var compressed = new MemoryStream(_body.WrittenCount / 4 + 64);
            using (var zip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                zip.Write(_body.WrittenSpan);
            }

            body = compressed.ToArray();
        }
        else
        {
            body = _body.WrittenSpan.ToArray();
        }

        return body;
    }

    /// <summary>Empties the builder for the next batch.</summary>
    public void Clear()
    {
        _body.ResetWrittenCount();
        Count = 0;
        FirstEventAt = null;
    }

    /// <summary>How many bytes the events take in a batch: each with its <c>\n</c>.</summary>
    public static int Measure(IReadOnlyList<ReadOnlyMemory<byte>> events)
    {
        var bytes = 0;
        foreach (var item in events)
        {
            bytes += item.Length + 1;
        }

        return bytes;
    }

    /// <summary>Why the gateway would not see this event as one event, or null: a line break would split it, a blank line is skipped.</summary>
    public static string? Problem(ReadOnlySpan<byte> item)
    {
        if (item.IndexOf((byte)'\n') >= 0)
        {
            return "it contains a line break (\\n), which would make it two events";
        }

        return EventLine.IsBlank(item) ? "it is empty or blank (spaces, tabs, a byte order mark), and the gateway skips blank lines" : null;
    }
}
