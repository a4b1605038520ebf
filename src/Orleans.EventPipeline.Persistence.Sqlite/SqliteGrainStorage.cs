using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.EventPipeline.Persistence.Sqlite;

/// <summary>
/// Grain storage in one SQLite file. Each state is a row keyed by (state name, grain id) whose
/// ETag is a version number: a write only succeeds against the version it read, so two
/// activations of one grain can never overwrite each other silently.
/// </summary>
/// <remarks>
/// WAL journal with <c>synchronous=FULL</c>: a write returns only after the WAL is fsync'd, so a
/// kill -9 right after <c>WriteStateAsync</c> loses nothing. Writes go through one connection on a thread
/// of its own (<see cref="SqliteWriter"/>), where concurrent writes share a commit; reads open pooled
/// connections of their own, which see every write whose task has completed.
/// </remarks>
public sealed partial class SqliteGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private const string CreateSchemaSql = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS grain_state (
            state_name TEXT NOT NULL,
            grain_id TEXT NOT NULL,
            etag INTEGER NOT NULL,
            payload BLOB NOT NULL,
            forget_after INTEGER,
            PRIMARY KEY (state_name, grain_id)
        ) WITHOUT ROWID;
        """;

    // Partial: only rows that can be forgotten are in it, so states kept for good cost the index nothing.
    private const string CreateForgetIndexSql = """
        CREATE INDEX IF NOT EXISTS grain_state_forget_after ON grain_state (forget_after) WHERE forget_after IS NOT NULL;
        """;

    /// <summary>
    /// Rows one delete of <see cref="DeleteForgottenAsync"/> takes at most, so a sweep holds the file's one writer in short
    /// turns between the grains' writes instead of one long one: deleting about 2,600 records a second this way left the
    /// keyed requests' ACK p99 within its spread (docs/PERFORMANCE.md, "Idempotency-Key records forgotten").
    /// </summary>
    public const int MaxForgottenPerDelete = 500;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> SchemaLocks = new(StringComparer.Ordinal);

    private readonly string _name;
    private readonly SqliteGrainStorageOptions _options;
    private readonly IGrainStorageSerializer _serializer;
    private readonly ILogger<SqliteGrainStorage> _logger;
    private readonly string _connectionString;
    private SqliteWriter? _writer;
    private int _released;

    public SqliteGrainStorage(string name, SqliteGrainStorageOptions options, ILogger<SqliteGrainStorage> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _name = name;
        _options = options;
        _serializer = options.GrainStorageSerializer;
        _logger = logger;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = options.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = options.BusyTimeoutSeconds,
        }.ToString();
    }

    /// <summary>Where the database lives; for diagnostics.</summary>
    public string DatabasePath => _options.DatabasePath;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(OptionFormattingUtilities.Name<SqliteGrainStorage>(_name), _options.InitStage, InitializeAsync, StopAsync);
    }

    /// <summary>Creates the directory and schema; safe to call more than once.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(_options.DatabasePath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // The providers on one file start side by side; the second waits here for the first's schema work (an upgrade
        // rewrites every named state's row: longer, on a large file, than the lock's busy timeout would wait).
        var schemaLock = SchemaLocks.GetOrAdd(Path.GetFullPath(_options.DatabasePath), static _ => new SemaphoreSlim(1, 1));
        await schemaLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await ExecuteAsync(connection, CreateSchemaSql, cancellationToken);
            await UpgradeAsync(connection, cancellationToken);
            await ExecuteAsync(connection, CreateForgetIndexSql, cancellationToken);
        }
        finally
        {
            schemaLock.Release();
        }

        _writer ??= await SqliteWriter.AcquireAsync(_options.DatabasePath, _connectionString, _logger, cancellationToken);
        LogInitialized(_logger, _name, _options.DatabasePath);
    }

    /// <summary>Takes no more writes; the file's writer stops, once the writes already queued are committed, with its last provider.</summary>
    public Task StopAsync(CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _released, 1) == 0 && _writer is { } writer ? writer.ReleaseAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// Deletes every state whose forget time (<see cref="SqliteGrainStorageOptions.ForgetAfter"/>) is before
    /// <paramref name="now"/>, of every provider on this file, in deletes of at most
    /// <see cref="MaxForgottenPerDelete"/> rows queued among the grains' writes; returns how many rows went.
    /// A grain whose state went under it meets no row at its ETag at its next write (<see cref="InconsistentStateException"/>).
    /// </summary>
    public async Task<long> DeleteForgottenAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        long deleted = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var rows = await Writer.WriteAsync(new StateWrite(
                StateWriteKind.DeleteForgotten, "", "", null, null, now.ToUnixTimeMilliseconds())) ?? 0;
            deleted += rows;
            if (rows < MaxForgottenPerDelete)
            {
                break;
            }
        }

        return deleted;
    }

    /// <summary>Proves the database file is readable and has its schema; throws when not.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM (SELECT 1 FROM grain_state LIMIT 1);";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT etag, payload FROM grain_state WHERE state_name = $state AND grain_id = $id;";
        command.Parameters.AddWithValue("$state", stateName);
        command.Parameters.AddWithValue("$id", grainId.ToString());
        await using var reader = await command.ExecuteReaderAsync();
        if (await reader.ReadAsync())
        {
            var payload = (byte[])reader.GetValue(1);
            grainState.State = _serializer.Deserialize<T>(new BinaryData(payload));
            grainState.ETag = reader.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var payload = _serializer.Serialize(grainState.State).ToArray();
        var expected = ParseETag(grainState.ETag);
        var forgetAfter = _options.ForgetAfter?.Invoke(grainState.State)?.ToUnixTimeMilliseconds();
        var newETag = await Writer.WriteAsync(new StateWrite(
            expected is null ? StateWriteKind.Insert : StateWriteKind.Update, stateName, grainId.ToString(), payload, expected, forgetAfter));
        if (newETag is null)
        {
            LogETagConflict(_logger, _name, stateName, grainId, grainState.ETag);
            throw new InconsistentStateException(
                $"Grain state '{stateName}' of {grainId} in SQLite storage '{_name}' changed since it was read (ETag {grainState.ETag ?? "none"}); the write was refused.");
        }

        grainState.ETag = newETag.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var expected = ParseETag(grainState.ETag);
        if (expected is not null
            && await Writer.WriteAsync(new StateWrite(StateWriteKind.Delete, stateName, grainId.ToString(), null, expected)) is null)
        {
            LogETagConflict(_logger, _name, stateName, grainId, grainState.ETag);
            throw new InconsistentStateException(
                $"Grain state '{stateName}' of {grainId} in SQLite storage '{_name}' changed since it was read (ETag {grainState.ETag}); the clear was refused.");
        }

        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>Commits made by the writer of this provider's database file (shared by the providers on it); fewer than the writes when they shared commits.</summary>
    public long Commits => _writer?.Commits ?? 0;

    private SqliteWriter Writer => _released == 0
        ? _writer ?? throw new InvalidOperationException($"SQLite grain storage '{_name}' is not initialized: the silo lifecycle starts it at stage {_options.InitStage}.")
        : throw new ObjectDisposedException(nameof(SqliteGrainStorage), $"SQLite grain storage '{_name}' has stopped; the write was not made.");

    private static long? ParseETag(string? etag) =>
        etag is null ? null : long.Parse(etag, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Adds the forget time to a file made before states could be forgotten, and gives the states named in
    /// <see cref="SqliteGrainStorageOptions.ForgetOnUpgrade"/> one, in one transaction (a crash between them leaves the
    /// file as it was). Once per file: it costs a rewrite of those rows at that start.
    /// </summary>
    private async Task UpgradeAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var check = connection.CreateCommand();
        check.Transaction = transaction;
        check.CommandText = "SELECT COUNT(*) FROM pragma_table_info('grain_state') WHERE name = 'forget_after';";
        if (Convert.ToInt64(await check.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0)
        {
            return;
        }

        await using var alter = connection.CreateCommand();
        alter.Transaction = transaction;
        alter.CommandText = "ALTER TABLE grain_state ADD COLUMN forget_after INTEGER;";
        await alter.ExecuteNonQueryAsync(cancellationToken);
        var upgradedAt = DateTimeOffset.UtcNow;
        foreach (var (stateName, after) in _options.ForgetOnUpgrade)
        {
            await using var forget = connection.CreateCommand();
            forget.Transaction = transaction;
            forget.CommandText = "UPDATE grain_state SET forget_after = $forget WHERE state_name = $state;";
            forget.Parameters.AddWithValue("$forget", (upgradedAt + after).ToUnixTimeMilliseconds());
            forget.Parameters.AddWithValue("$state", stateName);
            var rows = await forget.ExecuteNonQueryAsync(cancellationToken);
            LogUpgradeForgets(_logger, _name, rows, stateName, upgradedAt + after);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
