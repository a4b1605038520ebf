namespace Orleans.EventPipeline.Silo.Gateway.Body;

/// <summary>The last <see cref="Bytes"/> bytes of what a stream read so far, where a gzip body keeps its trailer.</summary>
internal sealed class ByteTail
{
    public const int Bytes = GzipTrailer.Bytes;

    private readonly byte[] _tail = new byte[Bytes];
    private long _seen;

    /// <summary>The last bytes seen, up to <see cref="Bytes"/>.</summary>
    public ReadOnlySpan<byte> Span => _tail.AsSpan(0, (int)Math.Min(_seen, Bytes));

    public void Keep(ReadOnlySpan<byte> read)
    {
        if (read.Length >= Bytes)
        {
            read[^Bytes..].CopyTo(_tail);
        }
        else
        {
            // Fewer new bytes than the tail: the kept ones move left to make room (the tail is filled from the left until full).
            var kept = (int)Math.Min(_seen, Bytes);
            var keep = Math.Min(kept, Bytes - read.Length);
            _tail.AsSpan(kept - keep, keep).CopyTo(_tail);
            read.CopyTo(_tail.AsSpan(keep));
        }

        _seen += read.Length;
    }
}
