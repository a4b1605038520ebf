using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>The fields of a syslog header, RFC 5424 or RFC 3164, ahead of the message.</summary>
internal struct SyslogHeader
{
    public int Facility;
    public int Severity;
    public DateTimeOffset? Timestamp;
    public string? Host;
    public string? App;
    public string? ProcessId;
    public string? MessageId;

    /// <summary>An RFC 5424 VERSION other than 1 (2-99, which the RFC leaves to later revisions); 0 for 1 and for RFC 3164.</summary>
    public int Version;

    /// <summary>Reads <c>&lt;PRI&gt;</c>: 1-3 digits, 0-191 (facility × 8 + severity).</summary>
    public static bool TryReadPriority(ReadOnlySpan<byte> line, out int priority, out int consumed)
    {
        priority = 0;
        consumed = 0;
        if (line.Length < 3 || line[0] != '<')
        {
            return false;
        }

        var close = line[..Math.Min(line.Length, 5)].IndexOf((byte)'>');
        if (close < 2 || !Timestamps.TryDigits(line[1..close], out priority) || priority > 191)
        {
            return false;
        }

        consumed = close + 1;
        return true;
    }

    /// <summary>
    /// Starts a header from the line's <c>&lt;PRI&gt;</c>: facility and severity set, the rest of the
    /// line after it in <paramref name="rest"/>. False when the line has no valid PRI (0-191).
    /// </summary>
    public static bool TryStart(ReadOnlySpan<byte> line, out SyslogHeader header, out ReadOnlySpan<byte> rest)
    {
        header = default;
        if (!TryReadPriority(line, out var priority, out var consumed))
        {
            rest = default;
            return false;
        }

        header.Facility = priority / 8;
        header.Severity = priority % 8;
        rest = line[consumed..];
        return true;
    }

    /// <summary>The next token up to a space (the space consumed), or to the end.</summary>
    public static ReadOnlySpan<byte> NextToken(ref ReadOnlySpan<byte> rest)
    {
        var space = rest.IndexOf((byte)' ');
        ReadOnlySpan<byte> token;
        if (space < 0)
        {
            token = rest;
            rest = [];
        }
        else
        {
            token = rest[..space];
            rest = rest[(space + 1)..];
        }

        return token;
    }

    /// <summary>Adds the header's fields; a value already under one of their names (a CEF extension key) is kept as <c>{name}#n</c>.</summary>
    public readonly void AddTo(Dictionary<string, AttributeValue> attributes, ref RepeatedNames names)
    {
        names.Set(attributes, AttributeNames.SyslogFacility, (long)Facility);
        if (ProcessId is not null) { names.Set(attributes, AttributeNames.SyslogProcessId, ProcessId); }
        if (MessageId is not null) { names.Set(attributes, AttributeNames.SyslogMessageId, MessageId); }
        if (Version != 0) { names.Set(attributes, AttributeNames.SyslogVersion, (long)Version); }
    }
}
