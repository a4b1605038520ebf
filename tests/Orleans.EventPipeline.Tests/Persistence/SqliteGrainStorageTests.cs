using Microsoft.Extensions.DependencyInjection;
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
