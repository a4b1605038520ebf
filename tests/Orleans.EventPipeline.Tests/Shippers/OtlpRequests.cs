using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>OTLP export requests built with the gateway's generated types.</summary>
internal static class OtlpRequests
{
    /// <summary>One resource and one scope holding <paramref name="records"/>.</summary>
    public static ExportLogsServiceRequest Of(params LogRecord[] records)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "test" } };
        scope.LogRecords.AddRange(records);
        var resource = new ResourceLogs { Resource = new Resource() };
        resource.ScopeLogs.Add(scope);
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(resource);
        return request;
    }
}
