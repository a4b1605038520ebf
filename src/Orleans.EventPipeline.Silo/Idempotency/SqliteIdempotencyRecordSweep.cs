using Orleans.EventPipeline.Persistence.Sqlite;
using Orleans.Storage;

namespace Orleans.EventPipeline.Silo.Idempotency;

/// <summary>
/// Local mode: every record carries its own forget time in the SQLite file (<c>IdempotencyRecord.ForgetAfter</c>, stored
/// with each write), so a record goes at the end of its own tenant's window, found through an index.
/// </summary>
internal sealed class SqliteIdempotencyRecordSweep(IServiceProvider services) : IIdempotencyRecordSweep
{
    public Task<long> DeleteForgottenAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        services.GetRequiredKeyedService<IGrainStorage>(PipelineStorage.Tenants) is SqliteGrainStorage sqlite
            ? sqlite.DeleteForgottenAsync(now, cancellationToken)
            : throw new InvalidOperationException($"Local mode keeps grain storage '{PipelineStorage.Tenants}' in SQLite, and it is not.");
}
