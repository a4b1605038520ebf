using System.Diagnostics.CodeAnalysis;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// Picks the parser per line: CEF (bare or behind syslog), RFC 5424, RFC 3164, else plain text. A line
/// that looks like syslog or CEF but fails to parse is kept as plain text rather than dead-lettered:
/// many senders write almost-syslog, and the line is still worth keeping.
/// </summary>
public sealed class AutoTextParser : IEventParser
{
    public static AutoTextParser Instance { get; } = new();

    public bool TryParse(
        ReadOnlySpan<byte> utf8,
        in EventContext context,
        [NotNullWhen(true)] out NormalizedEvent? normalized,
        [NotNullWhen(false)] out string? failure)
    {
        if (!PlainTextParser.TryCheck(utf8, out failure))
        {
            normalized = null;
            return false;
        }

        var line = utf8.TrimEnd("\r\n"u8);
        IEventParser? specific = CefParser.Detect(line) ? CefParser.Instance
            : Syslog5424Parser.Detect(line) ? Syslog5424Parser.Instance
            : Syslog3164Parser.Detect(line) ? Syslog3164Parser.Instance
            : null;
        if (specific is not null && specific.TryParse(line, context, out normalized, out _))
        {
            return true;
        }

        return PlainTextParser.Instance.TryParse(line, context, out normalized, out failure);
    }
}
