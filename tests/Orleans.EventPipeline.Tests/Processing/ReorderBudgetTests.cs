using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Streaming;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// The order stages' reorder buffers stay within the silo's budget (<see cref="ProcessingGrainOptions.MaxReorderBytes"/>)
/// whatever the tenants' lateness windows: a tenant that holds its events for an hour, sending several
/// times the budget, has all but a budget's worth released early, once each and in order.
/// </summary>
public sealed class ReorderBudgetTests : IDisposable
{
    private const int Batches = 60;
    private const int EventsPerBatch = 100;
    private const int BodyChars = 1_000;
    private readonly TempDirectory _archive = new();

    [Fact]
    public async Task WindowOfAnHour_SeveralBudgetsSent_AllButABudgetReleasedEarlyOnceInOrder()
    {
        var budget = ProcessingGrainOptions.LeastMaxReorderBytes;
        await using var cluster = await ProcessingTestCluster.StartAsync(_archive.Path, configure: options => options.MaxReorderBytes = budget);
        var tenant = "window-" + Guid.NewGuid().ToString("N")[..8];
        var streamKey = StreamKeys.ForShard(tenant, 0);
        await cluster.Client.GetGrain<ITenantGrain>(tenant).ConfigureAsync(new TenantSettings("window", true)
        {
            Processing = new ProcessingSettings { Ordering = new OrderingSettings { Enabled = true, LatenessWindow = TimeSpan.FromHours(1) } },
        });

        var raw = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName).GetStream<RawEventBatch>(StreamId.Create(PipelineStreams.Raw, streamKey));
        var padding = new string('x', BodyChars);
        var sent = new List<string>();
        for (var b = 0; b < Batches; b++)
        {
            var bodies = Enumerable.Range(sent.Count, EventsPerBatch).Select(i => $"e-{i:D5}-{padding}").ToArray();
            sent.AddRange(bodies);
            await raw.OnNextAsync(new RawEventBatch(tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, EventKind.Json, 0, EventsPerBatch, GatewayFrames.Of(bodies.Select(static body => $"{{\"message\":\"{body}\"}}"))));
        }

        // Each event is held serialized, at least its ASCII body's byte a char; the budget holds at most this many.
        var heldAtMost = (int)(budget / BodyChars);
        Assert.True(sent.Count > 5 * heldAtMost, "the test must send several budgets' worth");
        var received = await ReceivedEvents.WaitAsync(streamKey, r => r.Count >= sent.Count - heldAtMost, TimeSpan.FromSeconds(60));

        Assert.Equal(sent.Take(received.Count), received);
    }

    public void Dispose() => _archive.Dispose();
}
