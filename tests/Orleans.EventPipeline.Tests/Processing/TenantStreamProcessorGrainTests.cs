using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// <see cref="TenantStreamProcessorGrain"/> in an in-process cluster: memory streams stand in for Event
/// Hubs, the archive is a temporary directory, and objects are cut only when the test flushes.
/// </summary>
public sealed class TenantStreamProcessorGrainTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _archive = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ProcessingTestCluster.StartAsync(_archive.Path);

    [Fact]
    public async Task RawStream_BatchNamingAnotherTenant_NeverArchivedUnderThisKey()
    {
        var raw = _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<RawEventBatch>(StreamId.Create(PipelineStreams.Raw, "owner"));
        var processor = _cluster.Client.GetGrain<ITenantStreamProcessorGrain>("owner");

        await raw.OnNextAsync(Batch("intruder", "{\"message\":\"foreign\"}"));
        await raw.OnNextAsync(Batch("owner", "{\"message\":\"mine\"}"));
        var archived = await WaitForArchiveAsync(processor, "owner");

        var single = Assert.Single(archived);
        Assert.Equal("mine", single.Body);
        Assert.Equal("owner", single.TenantId);
        Assert.False(Directory.Exists(Path.Combine(_archive.Path, "intruder")));
    }

    [Fact]
    public async Task FlushAsync_ArchivedBatch_RecordsArchiveLagForTheTenant()
    {
        var lags = new ConcurrentBag<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = static (instrument, l) =>
        {
            if (instrument.Meter.Name == ProcessingGrainInstruments.MeterName && instrument.Name == "eventpipeline.archive.lag")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "tenant", Value: "lagged" })
                {
                    lags.Add(value);
                }
            }
        });
        listener.Start();
        var ingested = DateTimeOffset.UtcNow.AddSeconds(-30);

        await _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<RawEventBatch>(StreamId.Create(PipelineStreams.Raw, "lagged"))
            .OnNextAsync(Batch("lagged", "{\"message\":\"x\"}") with { IngestTime = ingested });
        await WaitForArchiveAsync(_cluster.Client.GetGrain<ITenantStreamProcessorGrain>("lagged"), "lagged");

        Assert.InRange(Assert.Single(lags), 30, 300);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _archive.Dispose();

    private async Task<IReadOnlyList<Events.NormalizedEvent>> WaitForArchiveAsync(ITenantStreamProcessorGrain processor, string tenant)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            // Flushing writes whatever the processor has buffered so far; the batches arrive asynchronously.
            await processor.FlushAsync();
            var objects = await ArchiveFiles.ReadAsync(_archive.Path, tenant);
            if (objects.Count > 0 || DateTime.UtcNow > deadline)
            {
                return objects.SelectMany(static o => o.Events).ToList();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    private static RawEventBatch Batch(string tenant, string json) =>
        new(tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, EventKind.Json, 0, 1, GatewayFrames.Of([json]));
}
