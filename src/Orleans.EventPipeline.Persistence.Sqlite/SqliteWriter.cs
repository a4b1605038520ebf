using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Persistence.Sqlite;

/// <summary>
/// The one connection that writes a database file, on a thread of its own, shared by the providers on that file
/// (local mode keeps tenants and pub-sub in one). The writes waiting when it wakes go into one transaction, so
/// concurrent grains share a commit (one fsync of the WAL) instead of each grain turn blocking a thread-pool thread,
/// the threads grains and requests run on, for an fsync of its own: Microsoft.Data.Sqlite's async methods complete
/// synchronously. One connection per file also means no provider waits out another's lock.
/// </summary>
/// <remarks>
/// A write's task completes only after the commit that holds it returned, so what it promises is what a commit of
/// its own promised. A write whose statement fails (a trigger's refusal) fails alone and the rest of its group is
/// committed without it; a failure of the transaction itself (the lock's timeout, a full disk) fails the writes of
/// that group, as it would have failed each of them alone.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "The queue's semaphores make a kernel handle only when asked for their wait handle, which nothing does; a writer lives until its last lease is given back, and adds may race that end, which a disposed queue would turn into other exceptions.")]
internal sealed partial class SqliteWriter
{
    // Bounds one transaction: a write takes tens of microseconds, so a full group holds its commit back by milliseconds.
    private const int MaxWritesPerCommit = 256;

    private static readonly Dictionary<string, SqliteWriter> Open = new(StringComparer.Ordinal);

    private readonly BlockingCollection<StateWrite> _queue = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _update;
    private readonly SqliteCommand _delete;
    private readonly SqliteCommand _deleteForgotten;
    private readonly string _path;
    private readonly ILogger _logger;
    private int _leases;
    private long _commits;
    private long _lastInsertETag;

    private SqliteWriter(SqliteConnection connection, string path, ILogger logger)
    {
        _connection = connection;
        _path = path;
        _logger = logger;
        _insert = Command("""
            INSERT INTO grain_state (state_name, grain_id, etag, payload, forget_after) VALUES ($state, $id, $etag, $payload, $forget)
            ON CONFLICT DO NOTHING RETURNING etag;
            """, withPayload: true, withETag: true);
        _update = Command("""
            UPDATE grain_state SET etag = etag + 1, payload = $payload, forget_after = $forget
            WHERE state_name = $state AND grain_id = $id AND etag = $etag RETURNING etag;
            """, withPayload: true, withETag: true);
        _delete = Command(
            "DELETE FROM grain_state WHERE state_name = $state AND grain_id = $id AND etag = $etag RETURNING 0;",
            withPayload: false,
            withETag: true);
        _deleteForgotten = _connection.CreateCommand();
        _deleteForgotten.CommandText = $"""
            DELETE FROM grain_state WHERE (state_name, grain_id) IN (
                SELECT state_name, grain_id FROM grain_state WHERE forget_after < $forget LIMIT {SqliteGrainStorage.MaxForgottenPerDelete});
            """;
        _deleteForgotten.Parameters.Add("$forget", SqliteType.Integer);
        var thread = new Thread(Run) { IsBackground = true, Name = "SQLite writer " + Path.GetFileName(path) };
        thread.Start();
    }

    /// <summary>Transactions committed so far, for diagnostics and tests: fewer than the writes when writes shared commits.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>
    /// The writer of <paramref name="databasePath"/>, opened (every commit fsyncs the WAL before it returns) and started
    /// at its first lease; each lease is given back with <see cref="ReleaseAsync"/>.
    /// </summary>
    public static async Task<SqliteWriter> AcquireAsync(string databasePath, string connectionString, ILogger logger, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(databasePath);
        lock (Open)
        {
            if (Open.TryGetValue(path, out var running))
            {
                running._leases++;
                return running;
            }
        }

        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            // synchronous is per connection: FULL makes every commit fsync the WAL before returning.
            pragma.CommandText = "PRAGMA synchronous = FULL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        var writer = new SqliteWriter(connection, path, logger);
        lock (Open)
        {
            if (Open.TryGetValue(path, out var raced))
            {
                raced._leases++;
                writer._queue.CompleteAdding();
                return raced;
            }

            writer._leases = 1;
            Open[path] = writer;
            return writer;
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
            // Added after the last lease was given back: nothing takes it any more.
            write.TrySetException(Stopped());
        }

        return write.Task;
    }

    /// <summary>Gives a lease back; the last one stops the writer once the writes already queued are committed.</summary>
    public Task ReleaseAsync(CancellationToken cancellationToken)
    {
        lock (Open)
        {
            if (--_leases > 0)
            {
                return Task.CompletedTask;
            }

            Open.Remove(_path);
        }

        _queue.CompleteAdding();
        return _stopped.Task.WaitAsync(cancellationToken);
    }

    private ObjectDisposedException Stopped() =>
        new(nameof(SqliteWriter), $"SQLite grain storage on {_path} has stopped; the write was not made.");

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

                try
                {
                    Commit(group, results);
                }
                catch (Exception exception)
                {
                    // BEGIN or COMMIT failed: nothing of the group was written, and each write fails as it would have alone.
                    foreach (var write in group)
                    {
                        write.TrySetException(exception);
                    }

                    try
                    {
                        LogGroupFailed(_logger, _path, group.Count, exception);
                    }
                    catch (Exception)
                    {
                        // A logging provider's failure must not stop the thread every write of the file waits for.
                    }
                }

                group.Clear();
            }
        }
        finally
        {
            // Reached only when stopped, or if the loop itself broke: no write may wait for a thread that is gone.
            _queue.CompleteAdding();
            var stopped = Stopped();
            foreach (var write in group)
            {
                write.TrySetException(stopped);
            }

            while (_queue.TryTake(out var left))
            {
                left.TrySetException(stopped);
            }

            _insert.Dispose();
            _update.Dispose();
            _delete.Dispose();
            _deleteForgotten.Dispose();
            _connection.Dispose();
            _stopped.TrySetResult();
        }
    }

    private void Commit(List<StateWrite> group, long?[] results)
    {
        while (group.Count > 0)
        {
            var executing = -1;
            try
            {
                using (var transaction = _connection.BeginTransaction(deferred: false))
                {
                    for (var i = 0; i < group.Count; i++)
                    {
                        executing = i;
                        results[i] = Execute(group[i], transaction);
                    }

                    executing = -1;
                    transaction.Commit();
                }

                Interlocked.Increment(ref _commits);
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].TrySetResult(results[i]);
                }

                return;
            }
            catch (Exception exception) when (executing >= 0)
            {
                // This write's own statement failed: it fails alone, and the others go again without it (a statement's
                // failure may have rolled back the whole transaction, RAISE(ROLLBACK) or a constraint's ROLLBACK).
                group[executing].TrySetException(exception);
                group.RemoveAt(executing);
            }
        }
    }

    private long? Execute(StateWrite write, SqliteTransaction transaction)
    {
        if (write.Kind == StateWriteKind.DeleteForgotten)
        {
            _deleteForgotten.Transaction = transaction;
            _deleteForgotten.Parameters["$forget"].Value = write.ForgetAfter;
            return _deleteForgotten.ExecuteNonQuery();
        }

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
            command.Parameters["$forget"].Value = write.ForgetAfter is { } forget ? forget : DBNull.Value;
        }

        command.Parameters["$etag"].Value = write.Kind == StateWriteKind.Insert ? NextInsertETag() : write.ExpectedETag;

        return command.ExecuteScalar() is { } etag ? Convert.ToInt64(etag, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// The ETag a new row starts at: the time in microseconds, above the last one given. A row deleted (cleared, or
    /// forgotten by a sweep) and made again must not start at an ETag it had before, or a grain that read the old row
    /// would overwrite the new one unseen; updates add one per write, never a microsecond's worth.
    /// </summary>
    private long NextInsertETag()
    {
        var now = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        _lastInsertETag = Math.Max(now, _lastInsertETag + 1);
        return _lastInsertETag;
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
            command.Parameters.Add("$forget", SqliteType.Integer);
        }

        if (withETag)
        {
            command.Parameters.Add("$etag", SqliteType.Integer);
        }

        return command;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite grain storage on {DatabasePath}: a transaction of {Writes} writes failed; each of them failed")]
    private static partial void LogGroupFailed(ILogger logger, string databasePath, int writes, Exception exception);
}
