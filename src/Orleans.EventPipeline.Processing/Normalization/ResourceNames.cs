namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>OpenTelemetry resource attribute names the parsers fill.</summary>
public static class ResourceNames
{
    public const string Host = "host.name";
    public const string Service = "service.name";
}
