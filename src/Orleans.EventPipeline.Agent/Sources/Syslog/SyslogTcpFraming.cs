using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Agent.Sources.Syslog;

/// <summary>
/// RFC 6587's two framings of syslog over TCP on one connection, told apart per message as receivers do: a frame
/// that starts with <c>LENGTH SP &lt;</c> (a non-zero count of at most 10 digits, then the message's PRI) is
/// octet-counted; anything else ends at a line break, so a newline-framed line that starts with a digit stays a
/// line. A message over <c>maxMessageBytes</c> is taken once, cut there, and the rest of its frame (by its count,
/// or up to its line break) is skipped and logged: no frame costs another, and no fragment becomes a message.
/// </summary>
internal sealed partial class SyslogTcpFraming(int maxMessageBytes, string remote, ILogger logger)
{
    /// <summary>The setting that bounds a message, named in the logs.</summary>
    public const string Setting = "Syslog:MaxMessageBytes";

    // RFC 6587 3.4.1: MSG-LEN = NONZERO-DIGIT *DIGIT; 10 digits reach past any int.
    private const int MaxCountDigits = 10;

    // Bytes of an octet-counted frame over the limit still to skip; -1 while skipping a line up to its break.
    private long _skip;
    private long _skipped;

    /// <summary>Messages cut at the limit so far.</summary>
    public long CutMessages { get; private set; }

    /// <summary>Room for one whole message and its length prefix.</summary>
    public int BufferBytes => maxMessageBytes + MaxCountDigits + 2;

    /// <summary>
    /// Takes the complete messages at the start of <paramref name="buffer"/> into <paramref name="lines"/>; returns
    /// the bytes consumed. What is left is the start of a frame, shorter than <see cref="BufferBytes"/>.
    /// </summary>
    public int Split(ReadOnlySpan<byte> buffer, List<ReadOnlyMemory<byte>> lines)
    {
        var consumed = 0;
        while (consumed < buffer.Length)
        {
            var rest = buffer[consumed..];
            if (_skip > 0)
            {
                var skip = (int)Math.Min(_skip, rest.Length);
                _skip -= skip;
                _skipped += skip;
                consumed += skip;
                if (_skip == 0)
                {
                    LogCutMessage(logger, remote, Setting, maxMessageBytes, _skipped, "the end of its octet-counted frame");
                }

                continue;
            }

            if (_skip < 0)
            {
                var lineEnd = rest.IndexOf((byte)'\n');
                if (lineEnd < 0)
                {
                    _skipped += rest.Length;
                    consumed += rest.Length;
                    break;
                }

                _skip = 0;
                _skipped += lineEnd;
                consumed += lineEnd + 1;
                LogCutMessage(logger, remote, Setting, maxMessageBytes, _skipped, "its line break");
                continue;
            }

            var count = OctetCount(rest, out var prefix);
            if (count == Undecided)
            {
                break;
            }

            if (count > 0)
            {
                if (count > maxMessageBytes)
                {
                    if (rest.Length < prefix + maxMessageBytes)
                    {
                        break;
                    }

                    Cut(rest.Slice(prefix, maxMessageBytes), lines);
                    consumed += prefix + maxMessageBytes;
                    _skip = count - maxMessageBytes;
                    continue;
                }

                if (rest.Length < prefix + count)
                {
                    break;
                }

                Add(rest.Slice(prefix, (int)count), lines);
                consumed += prefix + (int)count;
                continue;
            }

            var end = rest.IndexOf((byte)'\n');
            if (end < 0 && rest.Length <= maxMessageBytes)
            {
                break;
            }

            if (end < 0 || end > maxMessageBytes)
            {
                Cut(rest[..maxMessageBytes], lines);
                consumed += maxMessageBytes;
                _skip = -1;
                continue;
            }

            Add(rest[..end], lines);
            consumed += end + 1;
        }

        return consumed;
    }

    /// <summary>
    /// The sender closed with <paramref name="rest"/> not yet framed: a last newline-framed message without its line
    /// break is taken; the part of an octet-counted frame that arrived is taken too, and logged with its counts
    /// (the sender's message, cut short, rather than a silent drop).
    /// </summary>
    public void End(ReadOnlySpan<byte> rest, List<ReadOnlyMemory<byte>> lines)
    {
        if (_skip != 0)
        {
            LogCutMessage(logger, remote, Setting, maxMessageBytes, _skipped + rest.Length, "the connection's close");
            _skip = 0;
            return;
        }

        if (rest.IsEmpty)
        {
            return;
        }

        var count = OctetCount(rest, out var prefix);
        if (count > 0)
        {
            LogPartialFrame(logger, remote, rest.Length - prefix, count);
            Add(rest[prefix..], lines);
            return;
        }

        Add(rest, lines);
    }

    private const long Undecided = -1;

    /// <summary>The frame's octet count when it starts with <c>LENGTH SP &lt;</c>; 0 when it is newline-framed; <see cref="Undecided"/> when too few bytes tell.</summary>
    private static long OctetCount(ReadOnlySpan<byte> frame, out int prefix)
    {
        prefix = 0;
        if (frame[0] is < (byte)'1' or > (byte)'9')
        {
            return 0;
        }

        var digits = 1;
        while (digits < frame.Length && frame[digits] is >= (byte)'0' and <= (byte)'9')
        {
            digits++;
        }

        if (digits > MaxCountDigits)
        {
            return 0;
        }

        if (frame.Length < digits + 2)
        {
            return Undecided;
        }

        if (frame[digits] != (byte)' ' || frame[digits + 1] != (byte)'<')
        {
            return 0;
        }

        prefix = digits + 1;
        return long.Parse(frame[..digits], NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private void Cut(ReadOnlySpan<byte> first, List<ReadOnlyMemory<byte>> lines)
    {
        CutMessages++;
        _skipped = 0;
        Add(first, lines);
    }

    private static void Add(ReadOnlySpan<byte> message, List<ReadOnlyMemory<byte>> lines)
    {
        if (SyslogMessages.ToLine(message) is { } line)
        {
            lines.Add(line);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Syslog TCP from {Remote}: a message longer than {Setting} ({Limit} bytes) was cut: its first {Limit} bytes were taken as one message, the {Skipped} bytes after them up to {End} were skipped")]
    private static partial void LogCutMessage(ILogger logger, string remote, string setting, int limit, long skipped, string end);

    [LoggerMessage(2, LogLevel.Warning, "Syslog TCP from {Remote} closed inside an octet-counted frame: {Received} of its {Count} bytes arrived, taken as one message")]
    private static partial void LogPartialFrame(ILogger logger, string remote, int received, long count);
}
