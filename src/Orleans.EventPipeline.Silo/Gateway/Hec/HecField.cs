namespace Orleans.EventPipeline.Silo.Gateway.Hec;

/// <summary>The members of an HEC event object the gateway reads.</summary>
internal enum HecField
{
    Other,
    Event,
    Time,
    Host,
    Source,
    SourceType,
    Index,
    Fields,
}
