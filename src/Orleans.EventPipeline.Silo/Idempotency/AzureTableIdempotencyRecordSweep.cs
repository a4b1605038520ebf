using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Orleans.EventPipeline.Grains.Ingest;

namespace Orleans.EventPipeline.Silo.Idempotency;

/// <summary>
/// Azure mode: Orleans' table storage keeps a grain's state as one entity (partition key "{service id}_{grain id}" with
/// '/' made '_', row key the state's name) with nothing of the record's own times to query by. A record is deleted once
/// it has not been written for the longest a record can matter (<see cref="IdempotencyRecord.LongestKept"/>) plus
/// <see cref="Margin"/>, whatever its tenant's window. Each delete is conditional on the entity's ETag, so a record
/// written after the query is kept.
/// </summary>
/// <remarks>
/// The table's only index is its keys: each sweep reads every record of the service (a key range), not only those past
/// their time, so a sweep costs about (keys a second × <see cref="IdempotencyRecord.LongestKept"/>) entities read.
/// </remarks>
internal sealed partial class AzureTableIdempotencyRecordSweep(TableServiceClient tables, string serviceId, ILogger logger) : IIdempotencyRecordSweep
{
    /// <summary>Orleans' table of grain state (<c>AzureTableStorageOptions.TableName</c>'s default, which the silo keeps).</summary>
    public const string TableName = "OrleansGrainState";

    /// <summary>The grain type of <c>IdempotentIngestGrain</c>, which starts the grain id of every record.</summary>
    public const string GrainType = "idempotentingest";

    /// <summary>
    /// Past the longest a record matters: the entity's timestamp is the storage service's clock, the window's start the
    /// silo's, and an hour covers any skew between them by far.
    /// </summary>
    public static readonly TimeSpan Margin = TimeSpan.FromHours(1);

    // Entities of one key each: no batch transaction spans them, so deletes go out side by side.
    private const int ParallelDeletes = 16;

    public async Task<long> DeleteForgottenAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var table = tables.GetTableClient(TableName);
        var cutoff = now - IdempotencyRecord.LongestKept - Margin;
        // The records' keys sort from "{service}_idempotentingest_" to before "{service}_idempotentingest`" ('`' follows '_').
        var first = KeyRangeStart(serviceId);
        var after = first[..^1] + "`";
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {first} and PartitionKey lt {after} and RowKey eq {IdempotencyRecord.StateName} and Timestamp lt {cutoff}");
        long deleted = 0;
        long failed = 0;
        RequestFailedException? lastFailure = null;
        try
        {
            var expired = table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken);
            await Parallel.ForEachAsync(
                expired,
                new ParallelOptions { MaxDegreeOfParallelism = ParallelDeletes, CancellationToken = cancellationToken },
                async (entity, token) =>
                {
                    if (entity.ETag == default)
                    {
                        // Without its ETag the delete would be unconditional, and could take a record written since.
                        return;
                    }

                    try
                    {
                        await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, entity.ETag, token);
                        Interlocked.Increment(ref deleted);
                    }
                    catch (RequestFailedException exception) when (exception.Status is 404 or 412)
                    {
                        // Written again since the query (412), or deleted by another silo's sweep (404): not ours to delete.
                    }
                    catch (RequestFailedException exception)
                    {
                        // One refused delete must not stop the rest: it is tried again at the next sweep.
                        Interlocked.Increment(ref failed);
                        lastFailure = exception;
                    }
                });
        }
        catch (RequestFailedException exception) when (exception.Status == 404 && exception.ErrorCode == "TableNotFound")
        {
            // No grain has written state yet.
        }

        if (lastFailure is not null)
        {
            LogDeletesFailed(logger, failed, deleted, lastFailure);
        }

        return deleted;
    }

    /// <summary>
    /// Where the partition keys of the service's records start: "{service id}_idempotentingest_", with '/', '\', '#' and
    /// '?' made '_' as Orleans writes them in table keys (the grain id's '/' too).
    /// </summary>
    public static string KeyRangeStart(string serviceId) =>
        string.Create(CultureInfo.InvariantCulture, $"{serviceId}_{GrainType}_").Replace('/', '_').Replace('\\', '_').Replace('#', '_').Replace('?', '_');

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting Idempotency-Key records past their use: {Failed} deletes failed (tried again at the next sweep), {Deleted} made")]
    private static partial void LogDeletesFailed(ILogger logger, long failed, long deleted, Exception exception);
}
