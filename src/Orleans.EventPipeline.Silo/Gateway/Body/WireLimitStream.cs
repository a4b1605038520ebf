namespace Orleans.EventPipeline.Silo.Gateway.Body;

/// <summary>
/// Passes reads through and fails with 413 once more than the limit came off the wire (chunked bodies have no
/// Content-Length), or with <paramref name="tooLarge"/>'s exception where the protocol answers otherwise (gRPC).
/// Keeps the last bytes read (<see cref="ByteTail"/>), where a gzip body keeps its trailer.
/// </summary>
internal sealed class WireLimitStream(Stream inner, long limit, Func<long, Exception>? tooLarge = null) : RequestBodyStream
{
    private readonly ByteTail _tail = new();
    private long _read;

    /// <summary>The last bytes read, up to <see cref="ByteTail.Bytes"/>.</summary>
    public ReadOnlySpan<byte> Tail => _tail.Span;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _tail.Keep(buffer.Span[..read]);
        _read += read;
        if (_read > limit)
        {
            throw tooLarge?.Invoke(limit) ?? IngestProblemException.TooLarge($"The body exceeds {limit} bytes on the wire. Send smaller batches.");
        }

        return read;
    }
}
