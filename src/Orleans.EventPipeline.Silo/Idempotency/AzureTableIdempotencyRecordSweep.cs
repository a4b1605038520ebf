using Azure;
using Azure.Data.Tables;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Idempotency;

/// <summary>
/// Azure mode: Orleans' table storage keeps a grain's state as one entity (partition key "{service id}_{grain id}", row
/// key the state's name) with nothing of the record's own times to query by. A record is deleted once it has not been
/// written for the longest window a tenant may set, plus <see cref="Margin"/>; a shorter window's records wait that long.
/// Each delete is conditional on the entity's ETag, so a record written after the query is kept.
/// </summary>
internal sealed class AzureTableIdempotencyRecordSweep(TableServiceClient tables, string serviceId) : IIdempotencyRecordSweep
{
    /// <summary>The state's name, <c>IdempotentIngestGrain</c>'s <c>PersistentState</c>, which is the entity's row key.</summary>
    public const string StateName = "idempotency";

    /// <summary>Orleans' table of grain state (<c>AzureTableStorageOptions.TableName</c>'s default, which the silo keeps).</summary>
    public const string TableName = "OrleansGrainState";

    /// <summary>
    /// Past the longest window: the entity's timestamp is the storage service's clock, the window's start the silo's, and
    /// an hour covers any skew between them by far.
    /// </summary>
    public static readonly TimeSpan Margin = TimeSpan.FromHours(1);

    // Entities of one key each: no batch transaction spans them, so deletes go out side by side.
    private const int ParallelDeletes = 16;

    public async Task<long> DeleteForgottenAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var table = tables.GetTableClient(TableName);
        var cutoff = now - TenantSettings.MaxIdempotencyWindow - Margin;
        // The keys of this service sort from "{id}_" to before "{id}`" (the character after "_"). Orleans sanitizes '/', '\', '#' and '?' in the partition key; a service id with them would not match this prefix.
        var first = serviceId + "_";
        var after = serviceId + "`";
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {first} and PartitionKey lt {after} and RowKey eq {StateName} and Timestamp lt {cutoff}");
        long deleted = 0;
        try
        {
            var expired = table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken);
            await Parallel.ForEachAsync(
                expired,
                new ParallelOptions { MaxDegreeOfParallelism = ParallelDeletes, CancellationToken = cancellationToken },
                async (entity, token) =>
                {
                    try
                    {
                        await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, entity.ETag, token);
                        Interlocked.Increment(ref deleted);
                    }
                    catch (RequestFailedException exception) when (exception.Status is 404 or 412)
                    {
                        // Written again since the query (412), or deleted by another silo's sweep (404): not ours to delete.
                    }
                });
        }
        catch (RequestFailedException exception) when (exception.Status == 404 && exception.ErrorCode == "TableNotFound")
        {
            // No grain has written state yet.
        }

        return deleted;
    }
}
