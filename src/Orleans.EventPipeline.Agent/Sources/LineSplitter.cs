namespace Orleans.EventPipeline.Agent.Sources;

/// <summary>Cuts bytes into line events: the one line splitter of the file, stdin and syslog TCP sources.</summary>
internal static class LineSplitter
{
    /// <summary>A line this long with no line break is taken as one event, so a source never buffers without bound.</summary>
    public const int MaxLineBytes = 1024 * 1024;

    /// <summary>
    /// Adds every complete line of <paramref name="buffer"/> (without <c>\n</c> or <c>\r\n</c>; blank lines are
    /// left out, as the gateway skips them) to <paramref name="lines"/>; returns the bytes consumed, up to and with
    /// the last <c>\n</c>. A buffer of <see cref="MaxLineBytes"/> or more with no line break is consumed as one line.
    /// </summary>
    public static int Split(ReadOnlyMemory<byte> buffer, List<ReadOnlyMemory<byte>> lines)
    {
        var span = buffer.Span;
        var start = 0;
        while (true)
        {
            var end = span[start..].IndexOf((byte)'\n');
            if (end < 0)
            {
                break;
            }

            Add(buffer.Slice(start, end), lines);
            start += end + 1;
        }

        if (start == 0 && buffer.Length >= MaxLineBytes)
        {
            Add(buffer[..MaxLineBytes], lines);
            return MaxLineBytes;
        }

        return start;
    }

    /// <summary>The last bytes of an input that ended without a line break, as one event.</summary>
    public static void AddLast(ReadOnlyMemory<byte> rest, List<ReadOnlyMemory<byte>> lines) => Add(rest, lines);

    private static void Add(ReadOnlyMemory<byte> line, List<ReadOnlyMemory<byte>> lines)
    {
        if (!line.IsEmpty && line.Span[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (!line.Span.Trim(" \t\r"u8).IsEmpty)
        {
            lines.Add(line);
        }
    }
}
