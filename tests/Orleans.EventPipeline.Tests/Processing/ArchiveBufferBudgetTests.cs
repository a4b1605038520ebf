using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Tests.Support;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// The archive buffers of a silo are bounded together, not only each by its flush policy: four tenants each
/// buffer less than an object's size, well inside its age, but together more than the silo's budget, so the
/// largest buffers must be written early; and every event is archived once.
/// </summary>
public sealed class ArchiveBufferBudgetTests
{
    private const int Tenants = 4;
    private const int BatchesPerTenant = 4;
    private const int EventsPerBatch = 100;
    private const int EventBytes = 1_000;

    // Each tenant buffers about 400 KB, under MaxBytes (1 MiB) and far inside MaxAge; the four together
    // hold about 1.6 MB, over the silo's 1 MiB.
    private static readonly ArchiveOptions SmallBudget = new()
    {
        MaxBytes = 1L << 20,
        MaxBufferedBytes = 1L << 20,
        MaxEvents = 1_000_000,
        MaxAge = ArchiveOptions.MaxAgeLimit,
    };

    [Fact]
    public async Task BuffersTogetherOverTheSiloBudget_LargestWrittenEarly_EveryEventArchivedOnce()
    {
        using var archive = new TempDirectory();
        await using var cluster = await ProcessingTestCluster.StartAsync(archive.Path, archive: SmallBudget);
        var provider = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName);
        var run = Guid.NewGuid().ToString("N")[..8];
        var tenants = Enumerable.Range(0, Tenants).Select(i => $"budget-{run}-{i}").ToArray();

        for (var b = 0; b < BatchesPerTenant; b++)
        {
            foreach (var tenant in tenants)
            {
                await provider.GetStream<RawEventBatch>(StreamId.Create(PipelineStreams.Raw, tenant)).OnNextAsync(Batch(tenant, b));
            }
        }

        // Nothing flushes the processors here: only the budget can have written an object this early.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var earlyObjects = 0;
        while (earlyObjects == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no archive object within 60 s although the buffers hold about {Tenants * BatchesPerTenant * EventsPerBatch * EventBytes} bytes against a budget of {SmallBudget.MaxBufferedBytes}");
            foreach (var tenant in tenants)
            {
                earlyObjects += (await ArchiveFiles.ReadAsync(archive.Path, tenant)).Count;
            }

            await Task.Delay(100);
        }

        foreach (var tenant in tenants)
        {
            await AssertArchivedOnceAsync(cluster, archive.Path, tenant, BatchesPerTenant * EventsPerBatch, TimeSpan.FromSeconds(60));
        }
    }

    [Fact]
    public async Task StoresRefuseTheBuffers_BatchesRefusedAtTheBudget_ArchivedOnceWhenBack()
    {
        const int FirstBatches = 12;
        const int LaterBatches = 10;
        using var archive = new TempDirectory();
        var run = Guid.NewGuid().ToString("N")[..8];
        // The first fills the silo's budget alone; the two later ones start small, below the average buffer, where
        // waiting for the largest to be written would let each grow to the first one's size.
        string[] tenants = [$"outage-{run}-0", $"outage-{run}-1", $"outage-{run}-2"];
        foreach (var tenant in tenants)
        {
            // A file where the tenant's archive folder goes: every write of its objects fails until it is removed.
            await File.WriteAllTextAsync(Path.Combine(archive.Path, tenant), "the archive store is down");
        }

        using var refusals = new RefusalCounter();
        await using var cluster = await ProcessingTestCluster.StartAsync(archive.Path, archive: SmallBudget);
        var budget = cluster.Silos[0].ServiceProvider.GetRequiredService<ArchiveBufferBudget>();
        var provider = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName);
        async Task SendAsync(string tenant, int batches)
        {
            var stream = provider.GetStream<RawEventBatch>(StreamId.Create(PipelineStreams.Raw, tenant));
            for (var b = 0; b < batches; b++)
            {
                await stream.OnNextAsync(Batch(tenant, b));
            }
        }

        // About 1.3 MB against a budget of 1 MiB, none of it writable; then 1.1 MB more for each later tenant.
        await SendAsync(tenants[0], FirstBatches);
        await Poll.UntilAsync(() => refusals.Of(tenants[0]) >= 1, TimeSpan.FromSeconds(60), () => $"the first tenant's batches refused at the budget; the silo's archive buffers hold {budget.Held} bytes of {SmallBudget.MaxBufferedBytes}");
        await SendAsync(tenants[1], LaterBatches);
        await SendAsync(tenants[2], LaterBatches);
        await Poll.UntilAsync(
            () => refusals.Of(tenants[1]) >= 1 && refusals.Of(tenants[2]) >= 1,
            TimeSpan.FromSeconds(60),
            () => $"the later tenants' batches refused at the budget; the silo's archive buffers hold {budget.Held} bytes of {SmallBudget.MaxBufferedBytes}");

        // One batch past the budget for each tenant at most: a buffer over it refuses before adding, an empty one takes
        // one. A normalized event is its 1,000-byte message and under 1,000 bytes of fields; all 3.5 MB was the bound before.
        var batchBytes = EventsPerBatch * (EventBytes + 1_000);
        Assert.InRange(budget.Held, SmallBudget.MaxBufferedBytes, SmallBudget.MaxBufferedBytes + (tenants.Length * batchBytes));

        // The refused batches come back on the receiver's retries.
        foreach (var tenant in tenants)
        {
            File.Delete(Path.Combine(archive.Path, tenant));
        }

        await AssertArchivedOnceAsync(cluster, archive.Path, tenants[0], FirstBatches * EventsPerBatch, TimeSpan.FromSeconds(120));
        await AssertArchivedOnceAsync(cluster, archive.Path, tenants[1], LaterBatches * EventsPerBatch, TimeSpan.FromSeconds(120));
        await AssertArchivedOnceAsync(cluster, archive.Path, tenants[2], LaterBatches * EventsPerBatch, TimeSpan.FromSeconds(120));
    }

    /// <summary>
    /// Flushes what the tenant's processor holds until <paramref name="expected"/> events are archived (the batches
    /// arrive asynchronously) or <paramref name="timeout"/> passes; then asserts each was archived once.
    /// </summary>
    private static async Task AssertArchivedOnceAsync(InProcessTestCluster cluster, string archiveRoot, string tenant, int expected, TimeSpan timeout)
    {
        var processor = cluster.Client.GetGrain<ITenantStreamProcessorGrain>(tenant);
        var deadline = DateTime.UtcNow + timeout;
        List<string> messages;
        while (true)
        {
            await processor.FlushAsync();
            messages = (await ArchiveFiles.ReadAsync(archiveRoot, tenant)).SelectMany(static o => o.Events).Select(static e => e.Body).ToList();
            if (messages.Count >= expected || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(expected, messages.Count);
        Assert.Equal(messages.Count, messages.Distinct(StringComparer.Ordinal).Count());
    }

    private static RawEventBatch Batch(string tenant, int batch)
    {
        var padding = new string('p', EventBytes - 64);
        var events = Enumerable.Range(0, EventsPerBatch).Select(i => $"{{\"message\":\"{tenant}-{batch}-{i}-{padding}\"}}");
        return new RawEventBatch(tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, EventKind.Json, 0, EventsPerBatch, GatewayFrames.Of(events));
    }

    /// <summary>Counts <see cref="ProcessingGrainInstruments.ArchiveRefusedName"/> per tenant tag, across the process's meters.</summary>
    private sealed class RefusalCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

        public RefusalCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == ProcessingGrainInstruments.ArchiveRefusedName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == TenantTag.Name && tag.Value is string tenant)
                    {
                        _counts.AddOrUpdate(tenant, value, (_, count) => count + value);
                    }
                }
            });
            _listener.Start();
        }

        /// <summary>Refusals tagged with <paramref name="tenant"/> (a process tags its first 1,000 tenants by name).</summary>
        public long Of(string tenant) => _counts.GetValueOrDefault(tenant);

        public void Dispose() => _listener.Dispose();
    }
}
