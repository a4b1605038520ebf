using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Tests.Support;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;

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
            // The batches arrive asynchronously: flush what the processor holds until all of them are archived.
            var processor = cluster.Client.GetGrain<ITenantStreamProcessorGrain>(tenant);
            var all = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            List<string> messages;
            while (true)
            {
                await processor.FlushAsync();
                messages = (await ArchiveFiles.ReadAsync(archive.Path, tenant)).SelectMany(static o => o.Events).Select(static e => e.Body).ToList();
                if (messages.Count >= BatchesPerTenant * EventsPerBatch || DateTime.UtcNow > all)
                {
                    break;
                }

                await Task.Delay(100);
            }

            Assert.Equal(BatchesPerTenant * EventsPerBatch, messages.Count);
            Assert.Equal(messages.Count, messages.Distinct(StringComparer.Ordinal).Count());
        }
    }

    [Fact]
    public async Task StoreRefusesTheBuffer_BatchesRefusedAtTheBudget_ArchivedOnceWhenItIsBack()
    {
        const int Batches = 30;
        using var archive = new TempDirectory();
        var tenant = $"outage-{Guid.NewGuid():N}"[..16];
        // A file where the tenant's archive folder goes: every write of its objects fails until it is removed.
        var blocked = Path.Combine(archive.Path, tenant);
        await File.WriteAllTextAsync(blocked, "the archive store is down");
        using var refusals = new RefusalCounter(tenant);
        await using var cluster = await ProcessingTestCluster.StartAsync(archive.Path, archive: SmallBudget);
        var budget = cluster.Silos[0].ServiceProvider.GetRequiredService<ArchiveBufferBudget>();
        var stream = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName).GetStream<RawEventBatch>(StreamId.Create(PipelineStreams.Raw, tenant));

        // About 3 MB against a budget of 1 MiB, none of it writable.
        for (var b = 0; b < Batches; b++)
        {
            await stream.OnNextAsync(Batch(tenant, b));
        }

        await Poll.UntilAsync(() => refusals.Count >= 3, TimeSpan.FromSeconds(60), () => $"batches refused at the budget; the silo's archive buffers hold {budget.Held} bytes of {SmallBudget.MaxBufferedBytes}");
        // One batch past the budget at most (the batch whose write failed): refusing comes before adding. A normalized
        // event is its 1,000-byte message and under 1,000 bytes of fields: two batches of margin, far below all 3 MB.
        Assert.InRange(budget.Held, SmallBudget.MaxBufferedBytes, SmallBudget.MaxBufferedBytes + (2 * EventsPerBatch * (EventBytes + 1_000)));

        File.Delete(blocked);
        var processor = cluster.Client.GetGrain<ITenantStreamProcessorGrain>(tenant);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        List<string> messages;
        while (true)
        {
            // The refused batches come back on the receiver's retry: flush what the processor holds until all are archived.
            await processor.FlushAsync();
            messages = (await ArchiveFiles.ReadAsync(archive.Path, tenant)).SelectMany(static o => o.Events).Select(static e => e.Body).ToList();
            if (messages.Count >= Batches * EventsPerBatch || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal(Batches * EventsPerBatch, messages.Count);
        Assert.Equal(messages.Count, messages.Distinct(StringComparer.Ordinal).Count());
    }

    private static RawEventBatch Batch(string tenant, int batch)
    {
        var padding = new string('p', EventBytes - 64);
        var events = Enumerable.Range(0, EventsPerBatch).Select(i => $"{{\"message\":\"{tenant}-{batch}-{i}-{padding}\"}}");
        return new RawEventBatch(tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, EventKind.Json, 0, EventsPerBatch, GatewayFrames.Of(events));
    }

    /// <summary>Counts <see cref="ProcessingGrainInstruments.ArchiveRefusedName"/> for one tenant, across the process's meters.</summary>
    private sealed class RefusalCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public RefusalCounter(string tenant)
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
                    // A process tags its first 1,000 tenants by name and the rest as one: this test's may be either.
                    if (tag.Key == TenantTag.Name && (Equals(tag.Value, tenant) || Equals(tag.Value, TenantTag.Other)))
                    {
                        Interlocked.Add(ref _count, value);
                    }
                }
            });
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
