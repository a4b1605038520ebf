namespace Orleans.EventPipeline.Silo.Gateway.Shippers;

/// <summary>Settings of the shipper protocols (Splunk HEC, OTLP), bound from <c>Pipeline:Shippers</c>.</summary>
public sealed class ShipperOptions
{
    public const string SectionName = "Pipeline:Shippers";

    /// <summary>
    /// TCP port of OTLP over gRPC (HTTP/2 without TLS, "h2c"), on the address of the first of <c>Urls</c>:
    /// 4317, the port OTLP exporters send gRPC to by default. 0 picks a free one (logged at start).
    /// </summary>
    public int OtlpGrpcPort { get; set; } = 4317;

    /// <summary>Every wrong setting, each with the fix.</summary>
    public IEnumerable<string> Validate(int siloPort, int gatewayPort)
    {
        if (OtlpGrpcPort is < 0 or > 65535)
        {
            yield return $"{SectionName}:OtlpGrpcPort is {OtlpGrpcPort}: use a TCP port between 1 and 65535, or 0 for any free port.";
        }
        else if (OtlpGrpcPort != 0 && (OtlpGrpcPort == siloPort || OtlpGrpcPort == gatewayPort))
        {
            yield return $"{SectionName}:OtlpGrpcPort is {OtlpGrpcPort}, the port of Pipeline:SiloPort or Pipeline:GatewayPort: give it a port of its own.";
        }
    }
}
