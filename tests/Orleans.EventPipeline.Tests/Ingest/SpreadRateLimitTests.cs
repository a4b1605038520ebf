using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Tests.Ingest;

/// <summary>
/// One tenant's ingest spread over two silos (an in-process cluster of two, memory streams for Event Hubs):
/// its shards run on both, and together they accept the tenant's configured rate, not one rate each.
/// </summary>
/// <remarks>
/// Measured so that a loaded machine cannot move it: a stall of the clients (two cores shared with the rest of
/// the suite) costs the tenant nothing while the bucket, <see cref="BurstSeconds"/> deep, has room for what
/// accrues meanwhile, and the run is timed from a refusal (the bucket empty) to refusals again after the
/// window, so tokens accrued at its end are spent and counted, not left in the bucket. Timed over a fixed
/// window instead, it read 1,712 and 1,769 of 2,000 events/s in CI while crash and cluster tests starved the
/// cores; alone it accepts 2,000.
/// </remarks>
[Collection(HeavyProcessTests.Name)]
public sealed class SpreadRateLimitTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Tenant = "hot";
    private const double Rate = 2_000;
    private const int EventsPerRequest = 50;
    private const int Clients = 8;

    /// <summary>Deep enough that a stall of the clients on a loaded machine loses no tokens to the bucket's cap.</summary>
    private const double BurstSeconds = 5;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(8);
    private readonly TempDirectory _archive = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessingTestCluster.StartAsync(_archive.Path, silos: 2);

    [Fact]
    public async Task Ingest_TwoShardsOnTwoSilos_AcceptedRateWithinTenPercentOfTheLimit()
    {
        await _cluster.Client.GetGrain<ITenantGrain>(Tenant).ConfigureAsync(new TenantSettings(Tenant, Enabled: true)
        {
            Limits = new TenantLimits(Rate, 1_000_000_000, BurstSeconds),
            ShardCount = 2,
        });
        var batch = Batch();
        var turn = 0;
        Task<IngestResult> SendAsync() =>
            _cluster.Client.GetGrain<ITenantIngestGrain>(StreamKeys.ForShard(Tenant, Interlocked.Increment(ref turn) % 2)).IngestAsync(batch);

        // Spend the burst first: the run then measures the sustained rate alone, from a refusal (bucket empty).
        var clock = Stopwatch.StartNew();
        TimeSpan startSent, startSeen;
        while (true)
        {
            startSent = clock.Elapsed;
            var result = await SendAsync();
            startSeen = clock.Elapsed;
            if (result.Outcome != IngestOutcome.Stored)
            {
                Assert.Equal(IngestOutcome.RateLimited, result.Outcome);
                break;
            }
        }

        var accepted = 0L;
        var lastRefusalSent = TimeSpan.Zero;
        var refusals = new ConcurrentBag<IngestResult>();
        var unexpected = new ConcurrentBag<IngestResult>();
        var windowEnd = startSeen + Window;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var sent = clock.Elapsed;
                var result = await SendAsync();
                if (result.Outcome == IngestOutcome.Stored)
                {
                    Interlocked.Add(ref accepted, EventsPerRequest);
                }
                else if (result.Outcome == IngestOutcome.RateLimited)
                {
                    refusals.Add(result);
                    if (sent >= windowEnd)
                    {
                        // Past the window, a refusal ends this client: the bucket was spent when it was sent or later.
                        lock (refusals)
                        {
                            lastRefusalSent = sent > lastRefusalSent ? sent : lastRefusalSent;
                        }

                        return;
                    }

                    // A client that honours Retry-After, as the gateway's 429 asks.
                    await Task.Delay(result.RetryAfter!.Value < TimeSpan.FromSeconds(1) ? result.RetryAfter.Value : TimeSpan.FromSeconds(1));
                }
                else
                {
                    unexpected.Add(result);
                    return;
                }
            }
        })));
        var stopped = clock.Elapsed;
        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        var silos = await Task.WhenAll(Enumerable.Range(0, 2).Select(async shard =>
            await management.GetActivationAddress(_cluster.Client.GetGrain<ITenantIngestGrain>(StreamKeys.ForShard(Tenant, shard)))));

        // The tenant was granted no more than its rate from the first refusal's send to the last answer, and no less
        // from the first refusal's answer to the last refusal's send (the bucket empty at both ends).
        var atMost = accepted / (stopped - startSent).TotalSeconds;
        var atLeast = accepted / (lastRefusalSent - startSeen).TotalSeconds;
        output.WriteLine($"accepted {accepted} events: {atLeast:F0} to {atMost:F0} events/s of {Rate} over {(stopped - startSent).TotalSeconds:F1} s; {refusals.Count} refusals; shards on {silos[0]} and {silos[1]}");
        Assert.Empty(unexpected);
        Assert.NotEmpty(refusals);
        Assert.All(refusals, static r => Assert.True(r.RetryAfter > TimeSpan.Zero));
        Assert.InRange(atMost, 0, Rate * 1.1);
        Assert.InRange(atLeast, Rate * 0.9, double.MaxValue);
        Assert.All(silos, Assert.NotNull);
        Assert.NotEqual(silos[0], silos[1]);
    }

    [Fact]
    public async Task Ingest_SecondRequestOverASmallLimit_IsRefused()
    {
        await _cluster.Client.GetGrain<ITenantGrain>("small").ConfigureAsync(new TenantSettings("small", Enabled: true)
        {
            Limits = new TenantLimits(1, 1_000_000, BurstSeconds: 1),
        });
        var shard = _cluster.Client.GetGrain<ITenantIngestGrain>("small");
        var one = new IngestBatch(EventKind.Json, 1, Frames(1), [], 10);

        var first = await shard.IngestAsync(one);
        var second = await shard.IngestAsync(one);

        Assert.Equal(IngestOutcome.Stored, first.Outcome);
        Assert.Equal(IngestOutcome.RateLimited, second.Outcome);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _archive.Dispose();

    private static IngestBatch Batch() => new(EventKind.Json, EventsPerRequest, Frames(EventsPerRequest), [], Frames(EventsPerRequest).Length);

    private static byte[] Frames(int count) => GatewayFrames.Of(Enumerable.Range(0, count).Select(static i => $"{{\"i\":{i}}}"));
}
