namespace Orleans.EventPipeline.Agent.Sources.Syslog;

/// <summary>
/// RFC 6587's two framings of syslog over TCP, told apart per message as receivers do: a frame that starts with
/// a digit is octet-counted (<c>LENGTH SP MESSAGE</c>), one that starts with anything else (<c>&lt;PRI&gt;</c>)
/// ends at a line break.
/// </summary>
internal static class SyslogTcpFraming
{
    /// <summary>
    /// Takes the complete messages at the start of <paramref name="buffer"/> into <paramref name="lines"/>; returns
    /// the bytes consumed. A message over <paramref name="maxMessageBytes"/>: a newline-framed one is cut there,
    /// an octet-counted one is refused (<see cref="InvalidDataException"/>: the connection closes, as the frame
    /// boundary can no longer be trusted).
    /// </summary>
    public static int Split(ReadOnlySpan<byte> buffer, int maxMessageBytes, List<ReadOnlyMemory<byte>> lines)
    {
        var consumed = 0;
        while (consumed < buffer.Length)
        {
            var rest = buffer[consumed..];
            if (rest[0] is >= (byte)'0' and <= (byte)'9')
            {
                var space = rest.IndexOf((byte)' ');
                if (space < 0)
                {
                    if (rest.Length > 10)
                    {
                        throw new InvalidDataException("An octet-counted frame's length has more than 10 digits.");
                    }

                    break;
                }

                if (!int.TryParse(rest[..space], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length) || length > maxMessageBytes)
                {
                    throw new InvalidDataException($"An octet-counted frame of '{System.Text.Encoding.ASCII.GetString(rest[..space])}' bytes: more than Syslog:MaxMessageBytes ({maxMessageBytes}) or not a number.");
                }

                if (rest.Length < space + 1 + length)
                {
                    break;
                }

                Add(rest.Slice(space + 1, length), lines);
                consumed += space + 1 + length;
                continue;
            }

            var end = rest.IndexOf((byte)'\n');
            if (end < 0)
            {
                if (rest.Length >= maxMessageBytes)
                {
                    Add(rest[..maxMessageBytes], lines);
                    consumed += maxMessageBytes;
                    continue;
                }

                break;
            }

            Add(rest[..Math.Min(end, maxMessageBytes)], lines);
            consumed += end + 1;
        }

        return consumed;
    }

    private static void Add(ReadOnlySpan<byte> message, List<ReadOnlyMemory<byte>> lines)
    {
        if (SyslogMessages.ToLine(message) is { } line)
        {
            lines.Add(line);
        }
    }
}
