using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Grains.Ingest;

public sealed partial class IdempotentIngestGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId}: the record of an Idempotency-Key round whose only attempt was refused could not be deleted; it stays, and the key's retry is sent marked as possibly stored")]
    private static partial void LogRefusedRoundKept(ILogger logger, Exception exception, string tenantId);
}
