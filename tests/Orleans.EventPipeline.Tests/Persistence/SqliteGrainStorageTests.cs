using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Persistence.Sqlite;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.EventPipeline.Tests.Tenants;

namespace Orleans.EventPipeline.Tests.Persistence;

public sealed class SqliteGrainStorageTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _data = new();
    private Orleans.TestingHost.InProcessTestCluster? _cluster;
    private IGrainStorage _storage = null!;

    public async Task InitializeAsync()
    {
        _cluster = await SqliteTestCluster.StartAsync(_data.Path, "sqlite-storage");
        _storage = _cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(PipelineStorage.Tenants);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Write_StaleETag_ThrowsInconsistentStateAndKeepsNewerState()
    {
        var id = GrainId.Create("test", "stale");
        var first = new GrainState<Counter> { State = new Counter { Value = 1 } };
        await _storage.WriteStateAsync("counter", id, first);
        var reader = new GrainState<Counter>();
        await _storage.ReadStateAsync("counter", id, reader);
        first.State = new Counter { Value = 2 };
        await _storage.WriteStateAsync("counter", id, first);

        reader.State = new Counter { Value = 99 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("counter", id, reader));

        var current = new GrainState<Counter>();
        await _storage.ReadStateAsync("counter", id, current);
        Assert.Equal(2, current.State!.Value);
        Assert.Equal(first.ETag, current.ETag);
    }

    [Fact]
    public async Task Write_NewRecordWhileAnotherCreatedIt_ThrowsInconsistentState()
    {
        var id = GrainId.Create("test", "race");
        await _storage.WriteStateAsync("counter", id, new GrainState<Counter> { State = new Counter { Value = 1 } });

        var blind = new GrainState<Counter> { State = new Counter { Value = 5 } };

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("counter", id, blind));
    }

    [Fact]
    public async Task Clear_ThenRead_RecordIsGoneAndCanBeCreatedAgain()
    {
        var id = GrainId.Create("test", "clear");
        var state = new GrainState<Counter> { State = new Counter { Value = 7 } };
        await _storage.WriteStateAsync("counter", id, state);

        await _storage.ClearStateAsync("counter", id, state);
        var read = new GrainState<Counter>();
        await _storage.ReadStateAsync("counter", id, read);
        await _storage.WriteStateAsync("counter", id, new GrainState<Counter> { State = new Counter { Value = 8 } });

        Assert.False(state.RecordExists);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Equal(0, read.State!.Value);
    }

    [Fact]
    public async Task Writes_QueuedWhileTheDatabaseIsLocked_ShareACommitAndAllLand()
    {
        var sqlite = (SqliteGrainStorage)_storage;
        var commitsBefore = sqlite.Commits;
        const int writes = 50;
        Task[] pending;
        await using (var holder = await LockAsync(sqlite.DatabasePath))
        {
            // The writer waits for the lock (its busy timeout) while every write below queues behind it.
            pending = Enumerable.Range(0, writes)
                .Select(i => _storage.WriteStateAsync("counter", GrainId.Create("test", $"group-{i}"), new GrainState<Counter> { State = new Counter { Value = i } }))
                .ToArray();
            Assert.DoesNotContain(pending, static write => write.IsCompleted);
        }

        await Task.WhenAll(pending);

        // The first write may have been taken alone before the others queued; the rest go together.
        Assert.InRange(sqlite.Commits - commitsBefore, 1, 2);
        var etags = new HashSet<string?>();
        for (var i = 0; i < writes; i++)
        {
            var read = new GrainState<Counter>();
            await _storage.ReadStateAsync("counter", GrainId.Create("test", $"group-{i}"), read);
            Assert.Equal(i, read.State!.Value);
            etags.Add(read.ETag);
        }

        // Each row made once, each at an ETag of its own.
        Assert.Equal(writes, etags.Count);
    }

    [Theory]
    [InlineData("ABORT")]
    [InlineData("ROLLBACK")]
    public async Task Write_RefusedInsideAGroup_FailsAloneAndTheOthersLand(string raise)
    {
        var sqlite = (SqliteGrainStorage)_storage;
        // ABORT undoes the statement, ROLLBACK the whole transaction with the neighbours written before it.
        await ExecuteAsync(sqlite.DatabasePath, $"""
            CREATE TRIGGER refuse_poison BEFORE INSERT ON grain_state WHEN NEW.state_name = 'poison'
            BEGIN SELECT RAISE({raise}, 'injected: poison refused'); END;
            """);
        var good = new List<Task>();
        Task poison;
        await using (var holder = await LockAsync(sqlite.DatabasePath))
        {
            // Queued between neighbours, the poison shares its transaction with some whichever group the writer forms.
            good.AddRange(Enumerable.Range(0, 5).Select(Neighbour));
            poison = _storage.WriteStateAsync("poison", GrainId.Create("test", "poison"), new GrainState<Counter> { State = new Counter { Value = -1 } });
            good.AddRange(Enumerable.Range(5, 5).Select(Neighbour));
        }

        var refused = await Assert.ThrowsAsync<SqliteException>(() => poison);
        await Task.WhenAll(good);

        Assert.Contains("injected: poison refused", refused.Message, StringComparison.Ordinal);
        for (var i = 0; i < good.Count; i++)
        {
            var read = new GrainState<Counter>();
            await _storage.ReadStateAsync("counter", GrainId.Create("test", $"neighbour-{i}"), read);
            Assert.True(read.RecordExists);
            Assert.Equal(i, read.State!.Value);
        }

        var poisoned = new GrainState<Counter>();
        await _storage.ReadStateAsync("poison", GrainId.Create("test", "poison"), poisoned);
        Assert.False(poisoned.RecordExists);

        Task Neighbour(int i) =>
            _storage.WriteStateAsync("counter", GrainId.Create("test", $"neighbour-{i}"), new GrainState<Counter> { State = new Counter { Value = i } });
    }

    [Fact]
    public async Task Write_AfterAFailedWrite_TheWriterGoesOn()
    {
        var sqlite = (SqliteGrainStorage)_storage;
        await ExecuteAsync(sqlite.DatabasePath, "DROP TABLE grain_state;");

        await Assert.ThrowsAsync<SqliteException>(() =>
            _storage.WriteStateAsync("counter", GrainId.Create("test", "lost-table"), new GrainState<Counter> { State = new Counter { Value = 1 } }));
        await sqlite.InitializeAsync(CancellationToken.None);
        var state = new GrainState<Counter> { State = new Counter { Value = 2 } };
        await _storage.WriteStateAsync("counter", GrainId.Create("test", "lost-table"), state);

        var read = new GrainState<Counter>();
        await _storage.ReadStateAsync("counter", GrainId.Create("test", "lost-table"), read);
        Assert.Equal(2, read.State!.Value);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task TwoProviders_OnOneFile_ShareTheWriterAndItsCommits()
    {
        var first = (SqliteGrainStorage)_storage;
        var services = _cluster!.GetSiloServiceProvider();
        var options = new SqliteGrainStorageOptions
        {
            DatabasePath = first.DatabasePath,
            GrainStorageSerializer = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<SqliteGrainStorageOptions>>().Get(PipelineStorage.Tenants).GrainStorageSerializer,
        };
        var second = new SqliteGrainStorage("second", options, services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SqliteGrainStorage>>());
        await second.InitializeAsync(CancellationToken.None);
        var commitsBefore = first.Commits;
        Task[] pending;
        await using (var holder = await LockAsync(first.DatabasePath))
        {
            pending = Enumerable.Range(0, 20)
                .Select(i => (i % 2 == 0 ? _storage : second).WriteStateAsync("counter", GrainId.Create("test", $"shared-{i}"), new GrainState<Counter> { State = new Counter { Value = i } }))
                .ToArray();
        }

        await Task.WhenAll(pending);
        await second.StopAsync(CancellationToken.None);

        // One writer for the file: both providers' writes in its commits, and the first provider still writes after the second stopped.
        Assert.Equal(first.Commits, second.Commits);
        Assert.InRange(first.Commits - commitsBefore, 1, 2);
        await _storage.WriteStateAsync("counter", GrainId.Create("test", "after-second"), new GrainState<Counter> { State = new Counter { Value = 1 } });
        await Assert.ThrowsAsync<ObjectDisposedException>(() =>
            second.WriteStateAsync("counter", GrainId.Create("test", "stopped"), new GrainState<Counter> { State = new Counter { Value = 1 } }));
    }

    [Fact]
    public async Task DeleteForgotten_RemovesStatesPastTheirTime_KeepsLaterUntimedAndRewrittenOnes()
    {
        // A counter's value is its forget time in Unix seconds; a negative one is never forgotten.
        var storage = await StartForgettingStorageAsync(Path.Combine(_data.Path, "forget.db"));
        var now = DateTimeOffset.FromUnixTimeSeconds(2_000);
        var past = SqliteGrainStorage.MaxForgottenPerDelete * 2 + 3;
        await Task.WhenAll(Enumerable.Range(0, past).Select(i =>
            storage.WriteStateAsync("counter", GrainId.Create("test", $"past-{i}"), new GrainState<Counter> { State = new Counter { Value = 1_000 } })));
        await storage.WriteStateAsync("counter", GrainId.Create("test", "later"), new GrainState<Counter> { State = new Counter { Value = 5_000 } });
        await storage.WriteStateAsync("counter", GrainId.Create("test", "untimed"), new GrainState<Counter> { State = new Counter { Value = -1 } });
        var rewritten = new GrainState<Counter>();
        await storage.ReadStateAsync("counter", GrainId.Create("test", "past-0"), rewritten);
        rewritten.State = new Counter { Value = 5_000 };
        await storage.WriteStateAsync("counter", GrainId.Create("test", "past-0"), rewritten);
        var stale = new GrainState<Counter>();
        await storage.ReadStateAsync("counter", GrainId.Create("test", "past-1"), stale);

        var deleted = await storage.DeleteForgottenAsync(now, CancellationToken.None);

        // Every past state went, over several deletes of MaxForgottenPerDelete rows; the rest stayed.
        Assert.Equal(past - 1, deleted);
        Assert.Equal(["later", "past-0", "untimed"], await GrainKeysAsync(storage.DatabasePath));
        Assert.Equal(0, await storage.DeleteForgottenAsync(now, CancellationToken.None));
        // A grain that read a state before it went meets no row at its ETag, then writes it afresh once it has read again.
        stale.State = new Counter { Value = 6_000 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", GrainId.Create("test", "past-1"), stale));
        await storage.ReadStateAsync("counter", GrainId.Create("test", "past-1"), stale);
        Assert.False(stale.RecordExists);
        stale.State = new Counter { Value = 6_000 };
        await storage.WriteStateAsync("counter", GrainId.Create("test", "past-1"), stale);
        await storage.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Initialize_FileWithoutTheForgetColumn_AddsItAndGivesTheNamedStatesTheirTime()
    {
        var path = Path.Combine(_data.Path, "before-forget.db");
        var source = Path.Combine(_data.Path, "payload-source.db");
        var writer = await StartForgettingStorageAsync(source);
        await writer.WriteStateAsync("counter", GrainId.Create("test", "old"), new GrainState<Counter> { State = new Counter { Value = -1 } });
        await writer.WriteStateAsync("other", GrainId.Create("test", "old-other"), new GrainState<Counter> { State = new Counter { Value = -1 } });
        await writer.StopAsync(CancellationToken.None);
        // The schema as files were made before states could be forgotten, holding a row of each state name.
        await ExecuteAsync(path, $"""
            CREATE TABLE grain_state (state_name TEXT NOT NULL, grain_id TEXT NOT NULL, etag INTEGER NOT NULL, payload BLOB NOT NULL,
                PRIMARY KEY (state_name, grain_id)) WITHOUT ROWID;
            ATTACH DATABASE '{source}' AS source;
            INSERT INTO grain_state SELECT state_name, grain_id, etag, payload FROM source.grain_state;
            """);
        var upgradedAt = DateTimeOffset.UtcNow;

        // Two providers on the file start side by side, as local mode's do: one upgrades it, the other waits and finds it done.
        var storages = await Task.WhenAll(StartForgettingStorageAsync(path), StartForgettingStorageAsync(path));
        var old = new GrainState<Counter>();
        await storages[0].ReadStateAsync("counter", GrainId.Create("test", "old"), old);
        var beforeTheirTime = await storages[0].DeleteForgottenAsync(upgradedAt + UpgradeForget - TimeSpan.FromMinutes(1), CancellationToken.None);
        var afterIt = await storages[0].DeleteForgottenAsync(DateTimeOffset.UtcNow + UpgradeForget + TimeSpan.FromMinutes(1), CancellationToken.None);
        await storages[0].StopAsync(CancellationToken.None);
        await storages[1].StopAsync(CancellationToken.None);

        Assert.Equal(-1, old.State!.Value);
        Assert.Equal(0, beforeTheirTime);
        // The named state went at its time; the other name, not named, is kept for good.
        Assert.Equal(1, afterIt);
        Assert.Equal(["old-other"], await GrainKeysAsync(path));
    }

    [Fact]
    public async Task Insert_OfARowThatWasDeleted_StartsAtAnETagTheOldRowNeverHad()
    {
        var storage = await StartForgettingStorageAsync(Path.Combine(_data.Path, "recreated.db"));
        var id = GrainId.Create("test", "recreated");
        var stale = new GrainState<Counter> { State = new Counter { Value = 1_000 } };
        await storage.WriteStateAsync("counter", id, stale);
        await storage.DeleteForgottenAsync(DateTimeOffset.FromUnixTimeSeconds(2_000), CancellationToken.None);
        await storage.WriteStateAsync("counter", id, new GrainState<Counter> { State = new Counter { Value = 7_000 } });

        // A grain that read the first row must not overwrite the second unseen.
        stale.State = new Counter { Value = 9_000 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", id, stale));
        var current = new GrainState<Counter>();
        await storage.ReadStateAsync("counter", id, current);
        await storage.StopAsync(CancellationToken.None);
        Assert.Equal(7_000, current.State!.Value);
    }

    private static readonly TimeSpan UpgradeForget = TimeSpan.FromHours(1);

    private async Task<SqliteGrainStorage> StartForgettingStorageAsync(string databasePath)
    {
        var services = _cluster!.GetSiloServiceProvider();
        var options = new SqliteGrainStorageOptions
        {
            DatabasePath = databasePath,
            GrainStorageSerializer = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<SqliteGrainStorageOptions>>().Get(PipelineStorage.Tenants).GrainStorageSerializer,
            ForgetAfter = static state => state is Counter { Value: >= 0 } counter ? DateTimeOffset.FromUnixTimeSeconds(counter.Value) : null,
            ForgetOnUpgrade = new Dictionary<string, TimeSpan> { ["counter"] = UpgradeForget },
        };
        var storage = new SqliteGrainStorage("forgetting", options, services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SqliteGrainStorage>>());
        await storage.InitializeAsync(CancellationToken.None);
        return storage;
    }

    private static async Task<List<string>> GrainKeysAsync(string databasePath)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT grain_id FROM grain_state ORDER BY grain_id;";
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(GrainId.Parse(reader.GetString(0)).Key.ToString()!);
        }

        return keys;
    }

    /// <summary>Another connection holding the database's write lock until disposed (it commits nothing).</summary>
    private static async Task<SqliteConnection> LockAsync(string databasePath)
    {
        var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        await using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE;";
        await begin.ExecuteNonQueryAsync();
        return connection;
    }

    private static async Task ExecuteAsync(string databasePath, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Read_SameGrainDifferentStateNames_AreIndependent()
    {
        var id = GrainId.Create("test", "names");
        await _storage.WriteStateAsync("a", id, new GrainState<Counter> { State = new Counter { Value = 1 } });
        await _storage.WriteStateAsync("b", id, new GrainState<Counter> { State = new Counter { Value = 2 } });

        var a = new GrainState<Counter>();
        var b = new GrainState<Counter>();
        await _storage.ReadStateAsync("a", id, a);
        await _storage.ReadStateAsync("b", id, b);

        Assert.Equal(1, a.State!.Value);
        Assert.Equal(2, b.State!.Value);
    }
}

[GenerateSerializer]
public sealed class Counter
{
    [Id(0)] public int Value { get; set; }
}
