namespace Orleans.EventPipeline.Events;

/// <summary>The format an event was parsed from; written to the archive as its lower-case JSON name.</summary>
public enum SourceFormat
{
    /// <summary>One JSON object ("json").</summary>
    Json = 0,

    /// <summary>Syslog RFC 5424 ("syslog5424").</summary>
    Syslog5424 = 1,

    /// <summary>BSD syslog RFC 3164 ("syslog3164").</summary>
    Syslog3164 = 2,

    /// <summary>ArcSight Common Event Format, bare or behind a syslog header ("cef").</summary>
    Cef = 3,

    /// <summary>A line of text kept whole as the body ("text").</summary>
    Text = 4,

    /// <summary>A Splunk HTTP Event Collector event ("hec").</summary>
    Hec = 5,

    /// <summary>An OpenTelemetry OTLP log record ("otlp").</summary>
    Otlp = 6,
}
