using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A processor whose stream went quiet ticks only every settings refresh (a minute here) rather than every
/// flush check, so thousands of idle tenants cost little; a batch arriving then must still be archived
/// within the archive age, not at the next slow tick.
/// </summary>
public sealed class QuietStreamTimerTests
{
    private static readonly ArchiveOptions ShortAge = new() { MaxAge = TimeSpan.FromSeconds(2), FlushCheckInterval = TimeSpan.FromMilliseconds(500) };
    private static readonly TimeSpan SlowTick = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task BatchAfterTheStreamWentQuiet_ArchivedWithinTheAge_NotAtTheNextSlowTick()
    {
        using var archive = new TempDirectory();
        await using var cluster = await ProcessingTestCluster.StartAsync(archive.Path, options => options.SettingsRefreshInterval = SlowTick, archive: ShortAge);
        var tenant = "quiet-" + Guid.NewGuid().ToString("N")[..8];
        var raw = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName).GetStream<RawEventBatch>(StreamId.Create(PipelineStreams.Raw, tenant));

        // The first object is cut by the timer for its age; the same tick finds the buffer empty and slows down.
        await raw.OnNextAsync(Batch(tenant, "first"));
        await ArchiveFiles.WaitForAsync(archive.Path, tenant, static events => events.Count == 1, TimeSpan.FromSeconds(30));

        var posted = DateTime.UtcNow;
        await raw.OnNextAsync(Batch(tenant, "second"));
        var objects = await ArchiveFiles.WaitForAsync(archive.Path, tenant, static events => events.Count == 2, TimeSpan.FromSeconds(30));

        Assert.True(DateTime.UtcNow - posted < SlowTick / 2, "the second batch waited for the quiet stream's slow tick");
        Assert.Equal(["first", "second"], objects.SelectMany(static o => o.Events).Select(static e => e.Body).Order(StringComparer.Ordinal));
    }

    private static RawEventBatch Batch(string tenant, string message) =>
        new(tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, EventKind.Json, 0, 1, GatewayFrames.Of([$"{{\"message\":\"{message}\"}}"]));
}
