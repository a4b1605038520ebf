using System.Diagnostics.CodeAnalysis;
using System.Text;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// Syslog RFC 5424: <c>&lt;PRI&gt;VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]</c>,
/// "-" for a missing field; structured data becomes <c>sd.{id}.{param}</c> attributes and a UTF-8
/// BOM ahead of the message is dropped.
/// </summary>
public sealed class Syslog5424Parser : IEventParser
{
    public static Syslog5424Parser Instance { get; } = new();

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    public bool TryParse(
        ReadOnlySpan<byte> utf8,
        in EventContext context,
        [NotNullWhen(true)] out NormalizedEvent? normalized,
        [NotNullWhen(false)] out string? failure)
    {
        normalized = null;
        var attributes = new Dictionary<string, AttributeValue>(8, StringComparer.Ordinal);
        if (!TryParseHeader(utf8, attributes, out var header, out var message, out failure))
        {
            return false;
        }

        var (number, text) = Severity.FromSyslog(header.Severity);
        // Structured data is under sd.*: nothing repeats the header's names.
        var names = new RepeatedNames();
        header.AddTo(attributes, ref names);
        normalized = EventFactory.Create(context, header.Timestamp, number, text, EventFactory.Text(message),
            attributes, EventFactory.Resource(header.Host, header.App), SourceFormat.Syslog5424);
        return true;
    }

    /// <summary>Is this line RFC 5424: a PRI followed by a version digit and a space?</summary>
    internal static bool Detect(ReadOnlySpan<byte> line) =>
        SyslogHeader.TryReadPriority(line, out _, out var consumed)
        && line.Length > consumed + 1 && line[consumed] is >= (byte)'1' and <= (byte)'9' && line[consumed + 1] == ' ';

    /// <summary>Reads the header and structured data into <paramref name="attributes"/>; the rest is the message.</summary>
    internal static bool TryParseHeader(
        ReadOnlySpan<byte> line,
        Dictionary<string, AttributeValue> attributes,
        out SyslogHeader header,
        out ReadOnlySpan<byte> message,
        [NotNullWhen(false)] out string? failure)
    {
        message = default;
        if (!SyslogHeader.TryStart(line, out header, out var rest))
        {
            failure = "RFC 5424: the line does not start with <PRI> (0-191), e.g. \"<34>1 ...\".";
            return false;
        }

        var version = SyslogHeader.NextToken(ref rest);
        if (version.IsEmpty || version.Length > 2 || !Timestamps.TryDigits(version, out var v) || v == 0)
        {
            failure = "RFC 5424: no VERSION after <PRI>; RFC 5424 lines read \"<PRI>1 TIMESTAMP ...\".";
            return false;
        }

        header.Version = v == 1 ? 0 : (int)v;

        var timestamp = SyslogHeader.NextToken(ref rest);
        if (!IsNil(timestamp))
        {
            if (!Timestamps.TryParseRfc3339(timestamp, out var time))
            {
                failure = $"RFC 5424: TIMESTAMP \"{Encoding.UTF8.GetString(timestamp)}\" is neither \"-\" nor RFC 3339.";
                return false;
            }

            header.Timestamp = time;
        }

        if (!TryField(ref rest, out header.Host) || !TryField(ref rest, out header.App)
            || !TryField(ref rest, out header.ProcessId) || !TryField(ref rest, out header.MessageId))
        {
            failure = "RFC 5424: the header ends early; it needs TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA, \"-\" for each one missing.";
            return false;
        }

        if (rest.IsEmpty)
        {
            failure = "RFC 5424: STRUCTURED-DATA is missing; write \"-\" when there is none.";
            return false;
        }

        if (rest[0] == '-')
        {
            rest = rest[1..];
        }
        else if (!TryParseStructuredData(ref rest, attributes, out failure))
        {
            return false;
        }

        if (!rest.IsEmpty)
        {
            if (rest[0] != ' ')
            {
                failure = "RFC 5424: STRUCTURED-DATA must be followed by a space before the message.";
                return false;
            }

            rest = rest[1..];
        }

        message = rest.StartsWith(Bom) ? rest[Bom.Length..] : rest;
        failure = null;
        return true;
    }

    private static bool IsNil(ReadOnlySpan<byte> token) => token.Length == 1 && token[0] == '-';

    private static bool TryField(ref ReadOnlySpan<byte> rest, out string? value)
    {
        value = null;
        if (rest.IsEmpty)
        {
            return false;
        }

        var token = SyslogHeader.NextToken(ref rest);
        value = IsNil(token) ? null : EventFactory.Text(token);
        return true;
    }

    // [id name="value" ...][id2 ...]: values escape '"', '\' and ']' with a backslash.
    private static bool TryParseStructuredData(ref ReadOnlySpan<byte> rest, Dictionary<string, AttributeValue> attributes, [NotNullWhen(false)] out string? failure)
    {
        failure = "RFC 5424: STRUCTURED-DATA is malformed; each element reads [SD-ID NAME=\"VALUE\" ...] with '\"', '\\' and ']' escaped by '\\'.";
        // A parameter given twice, in one element or in two of the same SD-ID, keeps both values, as a JSON name does.
        var names = new RepeatedNames();
        var budget = new NameBudget();
        while (!rest.IsEmpty && rest[0] == '[')
        {
            rest = rest[1..];
            var idEnd = rest.IndexOfAny((byte)' ', (byte)']');
            if (idEnd <= 0)
            {
                return false;
            }

            var prefix = AttributeNames.StructuredDataPrefix + EventFactory.Text(rest[..idEnd]) + ".";
            rest = rest[idEnd..];
            while (!rest.IsEmpty && rest[0] == ' ')
            {
                rest = rest[1..];
                var nameEnd = rest.IndexOf("=\""u8);
                if (nameEnd <= 0)
                {
                    return false;
                }

                if (!budget.TryTake(prefix.Length + nameEnd))
                {
                    failure = "RFC 5424: " + NameBudget.Exceeded(prefix[..^1]);
                    return false;
                }

                var name = prefix + EventFactory.Text(rest[..nameEnd]);
                rest = rest[(nameEnd + 2)..];
                var close = Escapes.IndexOfUnescaped(rest, (byte)'"');
                if (close < 0)
                {
                    return false;
                }

                names.Set(attributes, name, Escapes.Decode(rest[..close], "\"\\]"u8));
                rest = rest[(close + 1)..];
            }

            if (rest.IsEmpty || rest[0] != ']')
            {
                return false;
            }

            rest = rest[1..];
        }

        failure = null;
        return true;
    }
}
