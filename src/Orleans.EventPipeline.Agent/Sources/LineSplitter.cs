using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Agent.Sources;

/// <summary>
/// Cuts one input's bytes into line events: the one line splitter of the file and stdin sources. A line longer
/// than <c>maxLineBytes</c> is taken once, cut to its first <c>maxLineBytes</c> bytes; the rest of it, up to its
/// line break, is skipped (counted and logged, naming the setting), never taken as an event of its own, so the
/// source never buffers without bound and no fragment reaches the gateway as if it were a line. One
/// <see cref="Split"/> consumes at most <c>maxTakeBytes</c> (the client's <see cref="Client.EventPipelineClient.MaxCallBytes"/>),
/// so the lines it gives fit one send: a caller splits again for the rest.
/// </summary>
internal sealed partial class LineSplitter(int maxLineBytes, long maxTakeBytes, string source, ILogger logger)
{
    /// <summary>The setting that bounds a line, named in the log of a cut line.</summary>
    public const string Setting = "MaxLineBytes";

    public int MaxLineBytes => maxLineBytes;

    /// <summary>The smallest read buffer that can hold a line at the limit and one byte more.</summary>
    public int BufferBytes => maxLineBytes + 1;

    /// <summary>
    /// True while the rest of a cut line is being skipped: the next bytes up to a line break are not an event.
    /// A file source saves it with its position, so a restart inside a cut line does not take its rest as a line.
    /// </summary>
    public bool InCutLine { get; set; }

    /// <summary>Lines cut so far.</summary>
    public long CutLines { get; private set; }

    /// <summary>Bytes of cut lines skipped so far (after their first <see cref="MaxLineBytes"/>).</summary>
    public long SkippedBytes { get; private set; }

    // Bytes skipped of the cut line being skipped, for its log line.
    private long _skipping;

    /// <summary>
    /// Adds every complete line of <paramref name="buffer"/> (without <c>\n</c> or <c>\r\n</c>; blank lines are
    /// left out, as the gateway skips them) to <paramref name="lines"/>, within the first <c>maxTakeBytes</c>; returns the bytes consumed, up to and with
    /// the last <c>\n</c>, or past the first <see cref="MaxLineBytes"/> of a line that is longer.
    /// </summary>
    public int Split(ReadOnlyMemory<byte> buffer, List<ReadOnlyMemory<byte>> lines)
    {
        // Each line taken counts its length plus one (its break) in the client's measure, never more than the bytes
        // it consumed, so consuming at most maxTakeBytes keeps the call within it. The validator keeps maxTakeBytes
        // above a line at the limit and its break, so a long line is still seen passing the limit here.
        if (buffer.Length > maxTakeBytes)
        {
            buffer = buffer[..(int)maxTakeBytes];
        }

        var span = buffer.Span;
        var start = 0;
        if (InCutLine)
        {
            var skipEnd = span.IndexOf((byte)'\n');
            if (skipEnd < 0)
            {
                Skip(span.Length);
                return span.Length;
            }

            Skip(skipEnd);
            EndCutLine("its line break");
            start = skipEnd + 1;
        }

        while (true)
        {
            var end = span[start..].IndexOf((byte)'\n');
            if (end < 0)
            {
                break;
            }

            if (end > maxLineBytes)
            {
                Cut(buffer.Slice(start, maxLineBytes), lines);
                Skip(end - maxLineBytes);
                EndCutLine("its line break");
            }
            else
            {
                Add(buffer.Slice(start, end), lines);
            }

            start += end + 1;
        }

        // A buffer of maxLineBytes + 1 bytes (the sources' smallest) always has room to see a line pass the limit.
        if (buffer.Length - start > maxLineBytes)
        {
            Cut(buffer.Slice(start, maxLineBytes), lines);
            InCutLine = true;
            Skip(buffer.Length - start - maxLineBytes);
            return buffer.Length;
        }

        return start;
    }

    /// <summary>The last bytes of an input that ended without a line break, as one event (or the end of a cut line's skip).</summary>
    public void AddLast(ReadOnlyMemory<byte> rest, List<ReadOnlyMemory<byte>> lines)
    {
        if (InCutLine)
        {
            Skip(rest.Length);
            EndCutLine("the end of the input");
            return;
        }

        if (rest.Length > maxLineBytes)
        {
            Cut(rest[..maxLineBytes], lines);
            Skip(rest.Length - maxLineBytes);
            EndCutLine("the end of the input");
            return;
        }

        Add(rest, lines);
    }

    private void Cut(ReadOnlyMemory<byte> first, List<ReadOnlyMemory<byte>> lines)
    {
        CutLines++;
        _skipping = 0;
        // Cut before a character the limit splits: half a character is invalid UTF-8, which the gateway refuses, and the
        // event went to the dead letters instead of the archive (helper-104). At most 3 bytes more are skipped.
        var whole = WholeCharacters(first.Span);
        Skip(first.Length - whole);
        Add(first[..whole], lines);
    }

    /// <summary>The length of <paramref name="cut"/> without a last UTF-8 character it holds only part of.</summary>
    private static int WholeCharacters(ReadOnlySpan<byte> cut)
    {
        var start = cut.Length - 1;
        while (start >= 0 && cut.Length - start <= 3 && (cut[start] & 0xC0) == 0x80)
        {
            start--;
        }

        if (start < 0)
        {
            return cut.Length;
        }

        var lead = cut[start];
        var length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return cut.Length - start < length ? start : cut.Length;
    }

    private void Skip(long bytes)
    {
        _skipping += bytes;
        SkippedBytes += bytes;
    }

    private void EndCutLine(string end)
    {
        InCutLine = false;
        LogCutLine(logger, source, Setting, maxLineBytes, _skipping, end);
        _skipping = 0;
    }

    private static void Add(ReadOnlyMemory<byte> line, List<ReadOnlyMemory<byte>> lines)
    {
        if (!line.IsEmpty && line.Span[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (!Client.Batching.EventLine.IsBlank(line.Span))
        {
            lines.Add(line);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "{Source}: a line longer than {Setting} ({Limit} bytes) was cut: its first {Limit} bytes were taken as one event (up to 3 fewer, so as not to split a character), the {Skipped} bytes after them up to {End} were skipped")]
    private static partial void LogCutLine(ILogger logger, string source, string setting, int limit, long skipped, string end);
}
