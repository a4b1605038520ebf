using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Ingest;

/// <summary>
/// A shard reads the tenant's data generation before it applies new settings. An apply whose read is slow (its tenant
/// grain's call timed out, and the tenant grain went on to its next change) can be overtaken by the next apply: the
/// shard then keeps the newer settings, whichever read answers last. An in-process cluster whose tenant grain holds one
/// read until the test lets it go.
/// </summary>
public sealed class ShardSettingsOrderTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _archive = new();
    private readonly ProfileReadGate _gate = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ProcessingTestCluster.StartAsync(_archive.Path, configureSilo: silo => silo.AddIncomingGrainCallFilter(_gate.InvokeAsync));

    [Fact]
    public async Task AnOlderApplyWhoseReadAnswersLast_LeavesTheNewerSettings()
    {
        const string tenant = "overtaken";
        var settings = new TenantSettings(tenant, Enabled: true);
        await _cluster.Client.GetGrain<ITenantGrain>(tenant).ConfigureAsync(settings);
        var shard = _cluster.Client.GetGrain<ITenantIngestGrain>(StreamKeys.ForShard(tenant, 0));
        var frames = GatewayFrames.Of(["{\"a\":1}"]);
        var batch = new IngestBatch(EventKind.Json, 1, frames, [], frames.Length);
        var before = await shard.IngestAsync(batch);

        var held = _gate.HoldNext();
        var older = shard.ApplySettingsAsync(settings with { Enabled = false });
        await held.WaitAsync(Deadline);
        await shard.ApplySettingsAsync(settings).WaitAsync(Deadline);
        _gate.Release();
        await older.WaitAsync(Deadline);
        var after = await shard.IngestAsync(batch);

        Assert.Equal(IngestOutcome.Stored, before.Outcome);
        Assert.Equal(IngestOutcome.Stored, after.Outcome);
    }

    public async Task DisposeAsync()
    {
        _gate.Release();
        await _cluster.DisposeAsync();
    }

    public void Dispose() => _archive.Dispose();

    /// <summary>Holds the next read of a tenant's profile, once armed, until released; every other call goes on.</summary>
    private sealed class ProfileReadGate
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _armed;

        /// <summary>Arms the gate; the task completes when a read is held.</summary>
        public Task HoldNext()
        {
            var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _armed, held);
            return held.Task;
        }

        public void Release() => _released.TrySetResult();

        public async Task InvokeAsync(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == nameof(ITenantGrain.GetProfileAsync) && Interlocked.Exchange(ref _armed, null) is { } held)
            {
                held.TrySetResult();
                await _released.Task;
            }

            await context.Invoke();
        }
    }
}
