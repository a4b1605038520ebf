using System.Diagnostics.CodeAnalysis;
using System.Text;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// BSD syslog RFC 3164: <c>&lt;PRI&gt;Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG</c>. The timestamp has no
/// year (inferred from the ingest time) and no zone (taken as UTC); an RFC 3339 timestamp in its place
/// (rsyslog's high-precision format) is accepted. A line whose first word after the time ends in ':'
/// or '[pid]:' has no hostname.
/// </summary>
public sealed class Syslog3164Parser : IEventParser
{
    private const int BsdTimestampLength = 15;

    // RFC 3164 §4.1.3: the TAG is at most 32 alphanumeric characters; real senders put '-', '_', '.' and
    // '/' in it too, so anything but the terminators is accepted up to that length.
    private const int MaxTagLength = 32;

    public static Syslog3164Parser Instance { get; } = new();

    public bool TryParse(
        ReadOnlySpan<byte> utf8,
        in EventContext context,
        [NotNullWhen(true)] out NormalizedEvent? normalized,
        [NotNullWhen(false)] out string? failure)
    {
        normalized = null;
        if (!TryParseHeader(utf8, context.IngestTime, out var header, out var message, out failure))
        {
            return false;
        }

        var attributes = new Dictionary<string, AttributeValue>(4, StringComparer.Ordinal);
        var (number, text) = Severity.FromSyslog(header.Severity);
        var names = new RepeatedNames();
        header.AddTo(attributes, ref names);
        normalized = EventFactory.Create(context, header.Timestamp, number, text, EventFactory.Text(message),
            attributes, EventFactory.Resource(header.Host, header.App), SourceFormat.Syslog3164);
        return true;
    }

    /// <summary>Is this line RFC 3164: a PRI followed by "Mmm " or an RFC 3339 date?</summary>
    internal static bool Detect(ReadOnlySpan<byte> line)
    {
        if (!SyslogHeader.TryReadPriority(line, out _, out var consumed))
        {
            return false;
        }

        var rest = line[consumed..];
        return (rest.Length > 4 && IsAsciiLetter(rest[0]) && IsAsciiLetter(rest[1]) && IsAsciiLetter(rest[2]) && rest[3] == ' ')
            || (rest.Length > 10 && Timestamps.IsDigit(rest[0]) && rest[4] == '-');
    }

    internal static bool TryParseHeader(
        ReadOnlySpan<byte> line,
        DateTimeOffset ingestTime,
        out SyslogHeader header,
        out ReadOnlySpan<byte> message,
        [NotNullWhen(false)] out string? failure)
    {
        message = default;
        if (!SyslogHeader.TryStart(line, out header, out var rest))
        {
            failure = "RFC 3164: the line does not start with <PRI> (0-191), e.g. \"<13>Oct 11 22:14:15 host app: ...\".";
            return false;
        }

        if (rest.Length >= BsdTimestampLength && Timestamps.TryParseBsd(rest[..BsdTimestampLength], ingestTime, out var bsd))
        {
            header.Timestamp = bsd;
            rest = rest[BsdTimestampLength..];
        }
        else
        {
            var space = rest.IndexOf((byte)' ');
            var token = space < 0 ? rest : rest[..space];
            if (!Timestamps.TryParseRfc3339(token, out var precise))
            {
                var shown = Encoding.UTF8.GetString(rest[..Math.Min(rest.Length, BsdTimestampLength)]);
                failure = $"RFC 3164: \"{shown}\" after <PRI> is not a timestamp \"Mmm dd hh:mm:ss\" (or RFC 3339).";
                return false;
            }

            header.Timestamp = precise;
            rest = rest[token.Length..];
        }

        if (rest.IsEmpty || rest[0] != ' ')
        {
            failure = "RFC 3164: the timestamp must be followed by a space and the hostname or tag.";
            return false;
        }

        rest = rest[1..];
        var first = rest.IndexOf((byte)' ');
        var word = first < 0 ? rest : rest[..first];
        if (!IsTag(word))
        {
            header.Host = EventFactory.Text(word);
            rest = first < 0 ? [] : rest[(first + 1)..];
        }

        ReadTag(ref rest, ref header);
        message = rest;
        failure = null;
        return true;
    }

    private static bool IsAsciiLetter(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    // "app:" and "app[123]:" are tags; a hostname never ends in ':'.
    private static bool IsTag(ReadOnlySpan<byte> word) => word.Length > 1 && word[^1] == ':';

    private static void ReadTag(ref ReadOnlySpan<byte> rest, ref SyslogHeader header)
    {
        // "CEF:0|..." right after the hostname is a CEF message, not a tag named CEF.
        if (rest.StartsWith("CEF:"u8))
        {
            return;
        }

        var end = rest[..Math.Min(rest.Length, MaxTagLength + 1)].IndexOfAny((byte)'[', (byte)':', (byte)' ');
        if (end <= 0)
        {
            return;
        }

        var tag = rest[..end];
        var after = rest[end..];
        string? pid = null;
        if (after[0] == '[')
        {
            var close = after.IndexOf((byte)']');
            if (close < 0)
            {
                return;
            }

            pid = EventFactory.Text(after[1..close]);
            after = after[(close + 1)..];
        }

        if (after.IsEmpty || after[0] != ':')
        {
            return;
        }

        header.App = EventFactory.Text(tag);
        header.ProcessId = pid;
        after = after[1..];
        rest = !after.IsEmpty && after[0] == ' ' ? after[1..] : after;
    }
}
