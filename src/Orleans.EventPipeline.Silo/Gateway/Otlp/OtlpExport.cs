using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Silo.Gateway.Memory;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;
using Orleans.EventPipeline.Silo.Gateway.Shippers;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>One OTLP export, either transport: frame the records, store them durably, answer in OTLP's terms.</summary>
public static class OtlpExport
{
    /// <summary>The response once durable (<c>partial_success</c> naming rejected records), or the status refusing the export.</summary>
    internal static async Task<(ExportLogsServiceResponse? Response, OtlpStatus? Refused)> IngestAsync(
        ShipperIngest ingest, TenantKey tenant, ExportLogsServiceRequest request, OtlpJsonRequest? json, int requestBytes, string idempotencyKey, RequestMemoryLease lease, CancellationToken abandoned)
    {
        ArgumentNullException.ThrowIfNull(ingest);
        using var records = OtlpLogRecords.From(request, json, requestBytes, ingest.Limits.MaxEventBytes, ingest.Limits.MaxDecompressedBytes, lease);
        if (records.Framed.Total == 0)
        {
            // An export with no records is valid OTLP and stores nothing.
            records.Framed.Dispose();
            return (new ExportLogsServiceResponse(), null);
        }

        var result = await ingest.SubmitAsync(tenant, records.Framed, requestBytes, idempotencyKey, abandoned);
        return result.Outcome == IngestOutcome.Stored
            ? (OtlpLogRecords.Response(result.Rejected), null)
            : (null, OtlpStatus.Of(result));
    }
}
