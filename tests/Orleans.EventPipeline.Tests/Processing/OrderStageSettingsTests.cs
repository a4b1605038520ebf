using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Streaming;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// How the order stage (<see cref="EventOrderGrain"/>, in a real silo) follows its tenant's settings: how often it reads
/// them whatever the lateness window, and how soon a change reaches events it holds. Events go to the stage by the call
/// its processor makes; the ordered stream's events are read by <see cref="GatedOrderedSubscriberGrain"/>.
/// </summary>
public sealed class OrderStageSettingsTests : IAsyncLifetime, IDisposable
{
    /// <summary>Settings read every second here (10 s by default), so that a change applies within the test's seconds.</summary>
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(1);

    /// <summary>Profile reads of each tenant grain of this test's cluster, counted as each call comes in.</summary>
    private readonly ConcurrentDictionary<string, int> _profileReads = new();

    /// <summary>Tenants whose profile reads fail, as when the tenant grain's silo has died.</summary>
    private readonly ConcurrentDictionary<string, bool> _unreachable = new();
    private readonly CapturedLog _log = new();
    private readonly TempDirectory _archive = new();
    private InProcessTestCluster? _cluster;

    private InProcessTestCluster Cluster => _cluster!;

    public async Task InitializeAsync() => _cluster = await ProcessingTestCluster.StartAsync(
        _archive.Path,
        static options => options.SettingsRefreshInterval = Refresh,
        configureSilo: silo => silo.AddIncomingGrainCallFilter(context =>
        {
            if (context.InterfaceMethod?.DeclaringType == typeof(ITenantGrain) && context.InterfaceMethod.Name == nameof(ITenantGrain.GetProfileAsync))
            {
                var tenant = context.TargetId.Key.ToString()!;
                _profileReads.AddOrUpdate(tenant, 1, static (_, n) => n + 1);
                if (_unreachable.ContainsKey(tenant))
                {
                    throw new InvalidOperationException($"injected: tenant grain {tenant} unreachable");
                }
            }

            return context.Invoke();
        }).Services.AddSingleton<ILoggerProvider>(_log));

    /// <summary>
    /// A window of 100 µs set the stage's timer to 100 µs, and each tick read the tenant's profile: one event every 20 s
    /// kept a core busy. Now the stage reads its settings once every refresh interval: 3 reads take 2 intervals or more.
    /// </summary>
    [Fact]
    public async Task WindowOf100Microseconds_TheStageReadsItsSettingsOnlyEveryRefreshInterval()
    {
        var (tenant, streamKey, _) = await OrderingTenantAsync("tiny", TimeSpan.FromTicks(1_000));
        var stage = Cluster.Client.GetGrain<IEventOrderGrain>(streamKey);
        await stage.AddAsync(null, [Event(tenant, "e1", DateTimeOffset.UtcNow)]);
        await ReceivedEvents.WaitAsync(streamKey, static r => r.Count == 1, TimeSpan.FromSeconds(30));

        var from = ProfileReads(tenant);
        var started = DateTime.UtcNow;
        await Poll.UntilAsync(() => ProfileReads(tenant) >= from + 3, TimeSpan.FromSeconds(30), () => $"3 more profile reads of tenant {tenant}; {ProfileReads(tenant) - from} came");
        var took = DateTime.UtcNow - started;

        // 3 reads an interval apart span at least 2 intervals; a tenth off for the timer's and the poll's lateness.
        Assert.True(took >= 2 * Refresh * 0.9, $"3 profile reads took {took.TotalMilliseconds:F0} ms; at one every {Refresh} they take at least {(2 * Refresh).TotalMilliseconds:F0} ms");
        Assert.Equal(EventOrderGrain.ShortestTick, EventOrderGrain.TickFor(TimeSpan.FromTicks(1_000), Refresh));
    }

    /// <summary>
    /// The stage read settings only on its timer, whose period was the old window: an event held by a 1 h window stayed
    /// held for up to that hour after the window was lowered, or ordering turned off. Now it comes out within seconds.
    /// </summary>
    [Theory]
    [InlineData("lowered")]
    [InlineData("off")]
    public async Task WindowOfAnHour_ChangedWhileAnEventIsHeld_TheEventComesOutWithinSeconds(string change)
    {
        var (tenant, streamKey, settings) = await OrderingTenantAsync("hour-" + change, TimeSpan.FromHours(1));
        var stage = Cluster.Client.GetGrain<IEventOrderGrain>(streamKey);
        await stage.AddAsync(null, [Event(tenant, "held", DateTimeOffset.UtcNow)]);
        Assert.Empty(ReceivedEvents.Of(streamKey));

        var ordering = settings.Processing.Ordering;
        await Cluster.Client.GetGrain<ITenantGrain>(tenant).ConfigureAsync(settings with
        {
            Processing = settings.Processing with { Ordering = change == "off" ? ordering with { Enabled = false } : ordering with { LatenessWindow = TimeSpan.FromSeconds(1) } },
        });

        // A refresh interval and a tick of at most an interval, with room for a busy machine.
        var received = await ReceivedEvents.WaitAsync(streamKey, static r => r.Count == 1, TimeSpan.FromSeconds(15));
        Assert.Equal(["held"], received);
    }

    /// <summary>
    /// Any settings change, a display name too, made the stage build a new buffer, which forgot what it had released: an
    /// event older than one released went out after it unflagged. Now a change that leaves ordering as it was keeps the
    /// buffer, and one that changes it carries what was released over.
    /// </summary>
    [Theory]
    [InlineData("renamed")]
    [InlineData("window")]
    public async Task EventReleased_SettingsChanged_AnOlderEventAfterItIsLate(string change)
    {
        var (tenant, streamKey, settings) = await OrderingTenantAsync("changed-" + change, TimeSpan.Zero);
        var stage = Cluster.Client.GetGrain<IEventOrderGrain>(streamKey);
        var now = DateTimeOffset.UtcNow;
        await stage.AddAsync(null, [Event(tenant, "now", now)]);
        await ReceivedEvents.WaitAsync(streamKey, static r => r.Count == 1, TimeSpan.FromSeconds(30));

        await Cluster.Client.GetGrain<ITenantGrain>(tenant).ConfigureAsync(change == "renamed"
            ? settings with { DisplayName = "renamed" }
            : settings with { Processing = settings.Processing with { Ordering = settings.Processing.Ordering with { LatenessWindow = TimeSpan.FromSeconds(1) } } });
        // The stage's next read sees the change, and it takes the next event only after it has applied what it read.
        var from = ProfileReads(tenant);
        await Poll.UntilAsync(() => ProfileReads(tenant) > from, TimeSpan.FromSeconds(15), () => $"the order stage of {tenant} to read its settings again");

        await stage.AddAsync(null, [Event(tenant, "30s-before", now.AddSeconds(-30))]);
        var received = await ReceivedEvents.WaitAsync(streamKey, static r => r.Count == 2, TimeSpan.FromSeconds(30));
        Assert.Equal(["now", "30s-before"], received);
        Assert.Equal(["30s-before"], ReceivedEvents.Of(GatedOrderedSubscriberGrain.LateOf(streamKey)));
    }

    /// <summary>
    /// A delete that removes the tenant's data has each processor drop what its order stage holds: an event held by an
    /// hour's window when the delete came is never published, also not once the tenant created again under the id lowers
    /// the window (which releases what is held within seconds, above); the new tenant's events are.
    /// </summary>
    [Fact]
    public async Task DeleteRemovingData_EventHeldByTheStage_IsNeverPublished_TheTenantCreatedAgainsAre()
    {
        var (tenant, streamKey, settings) = await OrderingTenantAsync("removed", TimeSpan.FromHours(1));
        var stage = Cluster.Client.GetGrain<IEventOrderGrain>(streamKey);
        await stage.AddAsync(null, [Event(tenant, "held", DateTimeOffset.UtcNow)]);
        var grain = Cluster.Client.GetGrain<ITenantGrain>(tenant);

        // The delete's steps (TenantDeletion) on the processor side: its first step, the processor's drop, its last step.
        var begun = await grain.BeginDataRemovalAsync(TenantCondition.None);
        Assert.Equal(TenantChangeOutcome.Done, begun.Outcome);
        await Cluster.Client.GetGrain<ITenantStreamProcessorGrain>(streamKey).DropRemovedDataAsync(begun.Profile.Version);
        Assert.Equal(TenantChangeOutcome.Done, (await grain.DeleteAsync(new TenantCondition(IfVersion: begun.Profile.Version), dataRemoved: true)).Outcome);
        await grain.ConfigureAsync(settings with
        {
            Processing = settings.Processing with { Ordering = settings.Processing.Ordering with { LatenessWindow = TimeSpan.FromSeconds(1) } },
        });
        var from = ProfileReads(tenant);
        await Poll.UntilAsync(() => ProfileReads(tenant) > from, TimeSpan.FromSeconds(15), () => $"the order stage of {tenant} to read its settings again");
        await stage.AddAsync(null, [Event(tenant, "after", DateTimeOffset.UtcNow)]);

        var received = await ReceivedEvents.WaitAsync(streamKey, static r => r.Count >= 1, TimeSpan.FromSeconds(30));
        Assert.Equal(["after"], received);
    }

    /// <summary>
    /// A tick whose settings read failed went to the grain timer, which logged each one as an error of its own: at the
    /// shortest tick ten a second per stream key while a tenant grain's silo was down. Now the stage logs the first failure
    /// and then the same error once a minute, and one line when its ticks work again; the held event still comes out.
    /// </summary>
    [Fact]
    public async Task SettingsReadsFailForSeveralTicks_OneWarning_ThenOneLineWhenTheyWorkAgain()
    {
        var (tenant, streamKey, settings) = await OrderingTenantAsync("unreachable", TimeSpan.FromHours(1));
        var stage = Cluster.Client.GetGrain<IEventOrderGrain>(streamKey);
        await stage.AddAsync(null, [Event(tenant, "held", DateTimeOffset.UtcNow)]);

        _unreachable[tenant] = true;
        var from = ProfileReads(tenant);
        // Four failed ticks, a refresh interval apart (the hour's window ticks at the interval).
        await Poll.UntilAsync(() => ProfileReads(tenant) >= from + 4, TimeSpan.FromSeconds(30), () => $"4 failed settings reads of tenant {tenant}; {ProfileReads(tenant) - from} came");
        var warnings = _log.Lines(LogLevel.Warning, $"Order stage {streamKey} could not release");
        Assert.Single(warnings);

        // Back: the next read applies a lowered window, which releases the held event, and one line says the ticks work again.
        await Cluster.Client.GetGrain<ITenantGrain>(tenant).ConfigureAsync(settings with
        {
            Processing = settings.Processing with { Ordering = settings.Processing.Ordering with { LatenessWindow = TimeSpan.FromSeconds(1) } },
        });
        _unreachable.TryRemove(tenant, out _);
        var received = await ReceivedEvents.WaitAsync(streamKey, static r => r.Count == 1, TimeSpan.FromSeconds(30));
        Assert.Equal(["held"], received);
        await Poll.UntilAsync(() => _log.Lines(LogLevel.Information, $"Order stage {streamKey} works again").Count == 1, TimeSpan.FromSeconds(30), () => $"one line saying {streamKey} works again");
        Assert.Single(_log.Lines(LogLevel.Warning, $"Order stage {streamKey} could not release"));
    }

    private int ProfileReads(string tenant) => _profileReads.GetValueOrDefault(tenant);

    private async Task<(string Tenant, string StreamKey, TenantSettings Settings)> OrderingTenantAsync(string prefix, TimeSpan window)
    {
        var tenant = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        var settings = new TenantSettings("ordered", true)
        {
            Processing = new ProcessingSettings { Ordering = new OrderingSettings { Enabled = true, LatenessWindow = window } },
        };
        await Cluster.Client.GetGrain<ITenantGrain>(tenant).ConfigureAsync(settings);
        return (tenant, StreamKeys.ForShard(tenant, 0), settings);
    }

    private static NormalizedEvent Event(string tenant, string body, DateTimeOffset time) =>
        new(tenant, $"{Guid.NewGuid():N}:0", time, time, time, 9, "info", body, new Dictionary<string, AttributeValue>(), new Dictionary<string, string>(), SourceFormat.Json);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public void Dispose() => _archive.Dispose();
}
