using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Persistence.Sqlite;

/// <summary>
/// The one connection that writes a provider's database, on a thread of its own. The writes waiting when it wakes
/// go into one transaction, so concurrent grains share a commit (one fsync of the WAL) instead of each grain turn
/// blocking a thread-pool thread, the threads grains and requests run on, for an fsync of its own: Microsoft.Data.Sqlite's
/// async methods complete synchronously.
/// </summary>
/// <remarks>
/// A write's task completes only after the commit that holds it returned, so what it promises is what a commit of
/// its own promised. If a group fails (a trigger's refusal, a full disk), each of its writes is tried again in a
/// transaction of its own: one write's failure never costs another.
/// </remarks>
internal sealed partial class SqliteWriter : IDisposable
{
    // Bounds one transaction: a write takes tens of microseconds, so a full group holds its commit back by milliseconds.
    private const int MaxWritesPerCommit = 256;

    private readonly BlockingCollection<StateWrite> _queue = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _update;
    private readonly SqliteCommand _delete;
    private readonly string _provider;
    private readonly ILogger _logger;
    private long _commits;

    private SqliteWriter(SqliteConnection connection, string provider, ILogger logger)
    {
        _connection = connection;
        _provider = provider;
        _logger = logger;
        _insert = Command("""
            INSERT INTO grain_state (state_name, grain_id, etag, payload) VALUES ($state, $id, 1, $payload)
            ON CONFLICT DO NOTHING RETURNING etag;
            """, withPayload: true, withETag: false);
        _update = Command("""
            UPDATE grain_state SET etag = etag + 1, payload = $payload
            WHERE state_name = $state AND grain_id = $id AND etag = $etag RETURNING etag;
            """, withPayload: true, withETag: true);
        _delete = Command(
            "DELETE FROM grain_state WHERE state_name = $state AND grain_id = $id AND etag = $etag RETURNING 0;",
            withPayload: false,
            withETag: true);
        var thread = new Thread(Run) { IsBackground = true, Name = $"SQLite writer '{provider}'" };
        thread.Start();
    }

    /// <summary>Transactions committed so far, for diagnostics and tests: fewer than the writes when writes shared commits.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Opens the writing connection (every commit fsyncs the WAL before it returns) and starts its thread.</summary>
    public static async Task<SqliteWriter> StartAsync(string connectionString, string provider, ILogger logger, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            // synchronous is per connection: FULL makes every commit fsync the WAL before returning.
            pragma.CommandText = "PRAGMA synchronous = FULL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return new SqliteWriter(connection, provider, logger);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Queues <paramref name="write"/>; its task gives the row's new ETag once committed, or null when the row was not
    /// at the expected ETag (nothing written).
    /// </summary>
    public Task<long?> WriteAsync(StateWrite write)
    {
        try
        {
            _queue.Add(write);
        }
        catch (InvalidOperationException)
        {
            // Added after StopAsync: nothing takes it any more.
            write.TrySetException(new ObjectDisposedException(nameof(SqliteWriter), $"SQLite grain storage '{_provider}' has stopped; the write was not made."));
        }

        return write.Task;
    }

    /// <summary>Takes no more writes and waits until the queued ones are committed.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.CompleteAdding();
        await _stopped.Task.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
    }

    private void Run()
    {
        var group = new List<StateWrite>(MaxWritesPerCommit);
        var results = new long?[MaxWritesPerCommit];
        try
        {
            foreach (var first in _queue.GetConsumingEnumerable())
            {
                group.Add(first);
                while (group.Count < MaxWritesPerCommit && _queue.TryTake(out var next))
                {
                    group.Add(next);
                }

                Commit(group, results);
                group.Clear();
            }
        }
        finally
        {
            _insert.Dispose();
            _update.Dispose();
            _delete.Dispose();
            _connection.Dispose();
            _stopped.TrySetResult();
        }
    }

    private void Commit(List<StateWrite> group, long?[] results)
    {
        try
        {
            using (var transaction = _connection.BeginTransaction(deferred: false))
            {
                for (var i = 0; i < group.Count; i++)
                {
                    results[i] = Execute(group[i], transaction);
                }

                transaction.Commit();
            }

            Interlocked.Increment(ref _commits);
            for (var i = 0; i < group.Count; i++)
            {
                group[i].TrySetResult(results[i]);
            }
        }
        catch (Exception exception) when (group.Count > 1)
        {
            LogGroupFailed(_logger, _provider, group.Count, exception);
            foreach (var write in group)
            {
                CommitAlone(write);
            }
        }
        catch (Exception exception)
        {
            group[0].TrySetException(exception);
        }
    }

    private void CommitAlone(StateWrite write)
    {
        try
        {
            long? result;
            using (var transaction = _connection.BeginTransaction(deferred: false))
            {
                result = Execute(write, transaction);
                transaction.Commit();
            }

            Interlocked.Increment(ref _commits);
            write.TrySetResult(result);
        }
        catch (Exception exception)
        {
            write.TrySetException(exception);
        }
    }

    private long? Execute(StateWrite write, SqliteTransaction transaction)
    {
        var command = write.Kind switch
        {
            StateWriteKind.Insert => _insert,
            StateWriteKind.Update => _update,
            _ => _delete,
        };
        command.Transaction = transaction;
        command.Parameters["$state"].Value = write.StateName;
        command.Parameters["$id"].Value = write.GrainId;
        if (write.Kind != StateWriteKind.Delete)
        {
            command.Parameters["$payload"].Value = write.Payload;
        }

        if (write.Kind != StateWriteKind.Insert)
        {
            command.Parameters["$etag"].Value = write.ExpectedETag;
        }

        return command.ExecuteScalar() is { } etag ? Convert.ToInt64(etag, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private SqliteCommand Command(string sql, bool withPayload, bool withETag)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add("$state", SqliteType.Text);
        command.Parameters.Add("$id", SqliteType.Text);
        if (withPayload)
        {
            command.Parameters.Add("$payload", SqliteType.Blob);
        }

        if (withETag)
        {
            command.Parameters.Add("$etag", SqliteType.Integer);
        }

        return command;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite grain storage '{Provider}': a commit of {Writes} writes failed; each is tried again on its own")]
    private static partial void LogGroupFailed(ILogger logger, string provider, int writes, Exception exception);
}
