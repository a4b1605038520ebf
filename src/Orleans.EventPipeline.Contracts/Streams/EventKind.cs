namespace Orleans.EventPipeline.Streams;

/// <summary>How the client framed its events; decides which parser the pipeline applies later.</summary>
public enum EventKind
{
    /// <summary>Each event is one JSON object (from application/x-ndjson or application/json).</summary>
    Json = 0,

    /// <summary>Each event is one line of text (text/plain), e.g. a syslog line.</summary>
    Text = 1,
}
