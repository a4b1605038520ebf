using System.Net;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Delivery;

/// <summary>A tenant over its rate gets 429 + Retry-After: the client waits as told, and everything arrives once.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class RetryAfterTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private const string Tenant = "slow";
    private readonly TempDirectory _spool = new();

    [Fact]
    public async Task TooManyRequests_WaitsTheRetryAfter_DeliversEverythingOnce()
    {
        var silo = shared.Silo;
        // 200 events/s with a 1 s burst: batches of 100 come faster than that, so the gateway answers 429.
        var key = await silo.Api.CreateTenantAsync(Tenant, new { displayName = Tenant, enabled = true, limits = new { eventsPerSecond = 200, bytesPerSecond = 10_000_000, burstSeconds = 1 } });
        var handler = new RecordingHandler();
        await using var client = new EventPipelineClient(TestClients.Options(silo.Url, key, _spool.Path), handler: handler);
        client.Start();
        for (var i = 0; i < 1000; i += 100)
        {
            await client.SendAsync(NumberedEvents.Make("s", i, 100));
        }

        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(120));

        var attempts = handler.Attempts.ToList();
        var throttled = attempts.Where(static a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        output.WriteLine($"{attempts.Count} attempts, {throttled.Count} answered 429");
        Assert.NotEmpty(throttled);
        foreach (var refused in throttled)
        {
            Assert.NotNull(refused.RetryAfter);
            var next = attempts.First(a => a.Key == refused.Key && a.Started > refused.Started);
            Assert.True(next.Started - refused.Started >= refused.RetryAfter!.Value - TimeSpan.FromMilliseconds(15), $"batch {refused.Key} was tried again {next.Started - refused.Started} after a 429 that asked for {refused.RetryAfter}");
        }

        Assert.Equal(1000, client.Statistics.EventsAcknowledged);
        var archived = await silo.ArchivedAsync(Tenant, 1000, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived(Tenant, NumberedEvents.Names("s", 0, 1000), archived, output);
    }

    public void Dispose() => _spool.Dispose();
}
