namespace Orleans.EventPipeline.Events;

/// <summary>Which parser reads a text (one line per event) source.</summary>
public enum TextFormat
{
    /// <summary>Detect per line: CEF, RFC 5424, RFC 3164, otherwise plain text.</summary>
    Auto = 0,

    /// <summary>Syslog RFC 5424 only; other lines are dead-lettered.</summary>
    Syslog5424 = 1,

    /// <summary>BSD syslog RFC 3164 only; other lines are dead-lettered.</summary>
    Syslog3164 = 2,

    /// <summary>CEF, optionally behind a syslog header; other lines are dead-lettered.</summary>
    Cef = 3,

    /// <summary>Keep every line whole as the body.</summary>
    Plain = 4,
}
