using Microsoft.Win32.SafeHandles;

namespace Orleans.EventPipeline.Agent.Sources.Files;

/// <summary>A file being tailed: held open (so a rename does not lose it), and read up to <see cref="Offset"/>.</summary>
internal sealed class TailedFile(FileIdentity identity, SafeFileHandle handle, string path, LineSplitter splitter) : IDisposable
{
    private readonly byte[] _tail = new byte[FilePosition.FingerprintBytes];
    private int _tailLength;

    public FileIdentity Identity { get; } = identity;

    public SafeFileHandle Handle { get; } = handle;

    /// <summary>The name it was last seen under.</summary>
    public string Path { get; set; } = path;

    /// <summary>Bytes taken so far: up to the end of the last line handed to the client.</summary>
    public long Offset { get; private set; }

    /// <summary>Its lines, and whether the offset is inside a line cut at the limit.</summary>
    public LineSplitter Splitter { get; } = splitter;

    /// <summary>The up to <see cref="FilePosition.FingerprintBytes"/> bytes before <see cref="Offset"/>, as read.</summary>
    public ReadOnlySpan<byte> Tail => _tail.AsSpan(0, _tailLength);

    /// <summary>When the glob stopped matching it (renamed away or deleted); null while it matches.</summary>
    public DateTimeOffset? GoneSince { get; set; }

    /// <summary>When it last had new bytes.</summary>
    public DateTimeOffset LastGrowth { get; set; }

    /// <summary>The file's size in the last checkpoint sent, so a look that finds it grown without a whole line saves the new size.</summary>
    public long SavedSize { get; set; } = -1;

    /// <summary>Where it is now, for the checkpoint, with the file's <paramref name="size"/> at this look and the look's time.</summary>
    public FilePosition PositionAt(long size, DateTimeOffset now) => new(Offset, FilePosition.Of(Tail), Splitter.InCutLine, Path, size, now.ToUnixTimeMilliseconds());

    /// <summary>Moves to <paramref name="offset"/> (a saved position, the end, or 0 after a truncation), reading the bytes before it again.</summary>
    public void Seek(long offset, bool inCutLine)
    {
        Offset = offset;
        Splitter.InCutLine = inCutLine;
        _tailLength = ReadBefore(offset, _tail);
    }

    /// <summary>Reads the up to <see cref="FilePosition.FingerprintBytes"/> bytes before <paramref name="offset"/> into <paramref name="into"/>; returns how many.</summary>
    public int ReadBefore(long offset, Span<byte> into)
    {
        var count = (int)Math.Min(offset, into.Length);
        var read = 0;
        while (read < count)
        {
            var n = RandomAccess.Read(Handle, into[read..count], offset - count + read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read;
    }

    /// <summary>Moves past <paramref name="taken"/>, the bytes just read at <see cref="Offset"/>.</summary>
    public void Advance(ReadOnlySpan<byte> taken)
    {
        Offset += taken.Length;
        if (taken.Length >= _tail.Length)
        {
            taken[^_tail.Length..].CopyTo(_tail);
            _tailLength = _tail.Length;
            return;
        }

        var keep = Math.Min(_tailLength, _tail.Length - taken.Length);
        _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
        taken.CopyTo(_tail.AsSpan(keep));
        _tailLength = keep + taken.Length;
    }

    public void Dispose() => Handle.Dispose();
}
