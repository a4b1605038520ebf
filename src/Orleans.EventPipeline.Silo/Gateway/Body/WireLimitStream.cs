namespace Orleans.EventPipeline.Silo.Gateway.Body;

/// <summary>
/// Passes reads through and fails with 413 once more than the limit came off the wire (chunked bodies have no
/// Content-Length), or with <paramref name="tooLarge"/>'s exception where the protocol answers otherwise (gRPC).
/// Keeps the last <see cref="TailBytes"/> bytes read, where a gzip body keeps its trailer.
/// </summary>
internal sealed class WireLimitStream(Stream inner, long limit, Func<long, Exception>? tooLarge = null) : Stream
{
    public const int TailBytes = 8;

    private readonly byte[] _tail = new byte[TailBytes];
    private long _read;

    /// <summary>The last bytes read, up to <see cref="TailBytes"/>.</summary>
    public ReadOnlySpan<byte> Tail => _tail.AsSpan(0, (int)Math.Min(_read, TailBytes));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        KeepTail(buffer.Span[..read]);
        _read += read;
        if (_read > limit)
        {
            throw tooLarge?.Invoke(limit) ?? IngestProblemException.TooLarge($"The body exceeds {limit} bytes on the wire. Send smaller batches.");
        }

        return read;
    }

    private void KeepTail(ReadOnlySpan<byte> read)
    {
        if (read.Length >= TailBytes)
        {
            read[^TailBytes..].CopyTo(_tail);
            return;
        }

        // Fewer new bytes than the tail: the kept ones move left to make room (the tail is filled from the left until full).
        var kept = (int)Math.Min(_read, TailBytes);
        var keep = Math.Min(kept, TailBytes - read.Length);
        _tail.AsSpan(kept - keep, keep).CopyTo(_tail);
        read.CopyTo(_tail.AsSpan(keep));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Request bodies are read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
