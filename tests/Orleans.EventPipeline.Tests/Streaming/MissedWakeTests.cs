using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Streaming.Caching;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// A stream's message that reaches the receiver cache while the pulling agent is not told of it, as if the
/// agent had missed the wake-up of the stream's caught-up cursor (the agent starts such a cursor only for a
/// message of its stream in a read). Without the guard the message waits until the stream's next message,
/// and that one's read moves the cursor past it: acknowledged, stored, never delivered.
/// </summary>
public sealed class MissedWakeTests
{
    [Fact]
    public async Task AgentNotToldOfLastMessage_ReceiverWakesTheStream_MessageArrives()
    {
        // A wake after 1 s: the agent's idle read waits up to 5 s for a message, so the wake comes within about 6 s.
        var run = await RunAsync(new StreamCacheOptions { WakeAfter = TimeSpan.FromSeconds(1) }, postAfterHidden: false);
        Assert.Equal(["m-0", "m-1"], run.Received);
        Assert.True(run.Wakes > 0, "m-1 arrived, but not by the receiver's wake-up");
    }

    [Fact]
    public async Task AgentNotToldOfMessage_NextMessageReadBeforeAnyWake_NeitherSkippedNorDoubled()
    {
        // No wake within the test: the next message's read alone must not move the cursor past the hidden one.
        var run = await RunAsync(new StreamCacheOptions { WakeAfter = StreamCacheOptions.Longest }, postAfterHidden: true);
        Assert.Equal(["m-0", "m-1", "m-2"], run.Received);
    }

    [Fact]
    public async Task AgentNotToldOfMessage_PartitionHeldForIt_WakeComesThroughTheHoldAndTheOtherStreamLosesNothing()
    {
        // Ages of 1 s: once another stream's messages are a second newer, the purge reaches the unannounced message,
        // which its waiting cursor keeps, and the partition stops reading. The wake, due 8 s after the read (the hold
        // comes about 1 s after it, with margin for a busy machine), can only come through the held partition's read
        // of wake-ups; without it the hold never ends and the other stream of the partition stops too.
        var cache = new StreamCacheOptions { MinTimeInCache = TimeSpan.FromSeconds(1), MaxRelativeAge = TimeSpan.FromSeconds(1), WakeAfter = TimeSpan.FromSeconds(8) };
        using var data = new TempDirectory();
        await using var emulator = await PipelineStreamsCluster.StartEmulatorAsync(data.Path, partitionCount: 1);
        var run = Guid.NewGuid().ToString("N");
        var otherRun = run + "-other";
        await using var cluster = await PipelineStreamsCluster.StartAsync("missed-wake-held-test", data.Path, emulator, cache, static _ => { });
        var provider = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName);
        var stream = provider.GetStream<string>(StreamId.Create(EventHubStreamsTests.Namespace, run));
        var other = provider.GetStream<string>(StreamId.Create(EventHubStreamsTests.Namespace, otherRun));

        await SecondMessageUnannouncedAsync(cluster, stream, run);
        var guard = GuardOf(cluster);

        // The other stream keeps posting until m-1 arrives: 300 at most (a minute).
        var sent = new List<string>();
        Assert.True(
            await PostUntilAsync(other, sent, () => ReceivedEvents.Of(run).Count >= 2, most: 300),
            $"m-1 did not arrive while {sent.Count} messages of another stream were posted; holds {guard.HoldsStarted}, wakes while held {guard.WakesWhileHeld}");

        Assert.True(guard.HoldsStarted > 0, "the partition was never held: the test did not reach the held path");
        Assert.True(guard.WakesWhileHeld > 0, "m-1 arrived, but not by a wake-up of the held partition");
        // The hold ended with the wake: the other stream's messages, read after it, arrive each once and in order,
        // and by then m-1 has not come twice.
        Assert.Equal(sent, await ReceivedEvents.WaitAsync(otherRun, r => r.Count >= sent.Count, TimeSpan.FromSeconds(60)));
        Assert.Equal(["m-0", "m-1"], ReceivedEvents.Of(run));
    }

    [Fact]
    public async Task AgentNotToldOfMessage_NoWake_PurgeAndCheckpointStopBeforeIt_RestartedSiloDeliversItOnce()
    {
        // The last line of defence when a message waits and no wake comes (here: none within 30 minutes): the purge,
        // and with it the partition's checkpoint, stop before the message, so a restarted silo reads it again. The
        // receiver's first read checkpoints its first message, o-0 of another stream; ages of 1 s and that stream's
        // later messages then take the purge through m-0 up to m-1, so only the purge moves the checkpoint to m-0.
        // Checkpoints are stored every 100 ms rather than every minute, so a purge past m-1 would reach the store
        // within the test. The silo is then stopped without grace (the test cluster's kill) and started again.
        var cache = new StreamCacheOptions { MinTimeInCache = TimeSpan.FromSeconds(1), MaxRelativeAge = TimeSpan.FromSeconds(1), WakeAfter = StreamCacheOptions.Longest };
        using var data = new TempDirectory();
        await using var emulator = await PipelineStreamsCluster.StartEmulatorAsync(data.Path, partitionCount: 1);
        var run = Guid.NewGuid().ToString("N");
        var otherRun = run + "-other";
        var streamId = StreamId.Create(EventHubStreamsTests.Namespace, run);
        const string ServiceId = "missed-wake-restart-test";
        static void OftenStored(ISiloBuilder silo) =>
            silo.Services.Configure<GrainStreamQueueCheckpointerOptions>(PipelineStreams.ProviderName, static options => options.PersistInterval = TimeSpan.FromMilliseconds(100));
        var cluster = await PipelineStreamsCluster.StartAsync(ServiceId, data.Path, emulator, cache, OftenStored);
        var sent = new List<string>();
        try
        {
            var provider = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName);
            var other = provider.GetStream<string>(StreamId.Create(EventHubStreamsTests.Namespace, otherRun));
            await PostUntilAsync(other, sent, static () => false, most: 1);
            await ReceivedEvents.WaitAsync(otherRun, static r => r.Count == 1, TimeSpan.FromSeconds(60));
            await SecondMessageUnannouncedAsync(cluster, provider.GetStream<string>(streamId), run);
            var guard = GuardOf(cluster);

            // The other stream posts until the purge has reached m-1 and held the partition (about 1 s after the read;
            // 150 posts at most, 30 s, for a busy machine), then 2 s more, for any purge past m-1 to be stored.
            Assert.True(await PostUntilAsync(other, sent, () => guard.HoldsStarted > 0, most: 150), "the partition was never held for m-1: the purge did not reach it");
            await PostUntilAsync(other, sent, static () => false, most: 10);

            // The partition holds o-0, m-0, m-1, then the rest of the other stream.
            var offsets = await OffsetsAsync(emulator);
            var stored = await StoredCheckpointAsync(cluster);
            Assert.True(stored < offsets[2], $"the checkpoint ({stored}) passed m-1 ({offsets[2]}), which no subscriber has had");
            Assert.True(stored == offsets[1], $"the checkpoint ({stored}) is not at m-0 ({offsets[1]}), the last message the purge took");
            Assert.Equal(["m-0"], ReceivedEvents.Of(run));
            await cluster.KillSiloAsync(cluster.Silos[0]);
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        await using var restarted = await PipelineStreamsCluster.StartAsync(ServiceId, data.Path, emulator, cache, OftenStored);
        await ReceivedEvents.WaitAsync(run, static r => r.Contains("m-1"), TimeSpan.FromSeconds(60));
        // A message of the stream after it: once it is there, a second m-1 would have come before it.
        await restarted.Client.GetStreamProvider(PipelineStreams.ProviderName).GetStream<string>(streamId).OnNextAsync("m-2");
        var received = await ReceivedEvents.WaitAsync(run, static r => r.Contains("m-2"), TimeSpan.FromSeconds(60));
        Assert.Equal(1, received.Count(static item => item == "m-1"));
        Assert.Equal(1, received.Count(static item => item == "m-2"));
        Assert.All(received, static item => Assert.True(item is "m-0" or "m-1" or "m-2", $"unexpected {item}"));
        // The other stream, read again from m-0 on, loses nothing either (those posted while the partition was held
        // arrive for the first time).
        var others = await ReceivedEvents.WaitAsync(otherRun, r => r.Contains(sent[^1]), TimeSpan.FromSeconds(60));
        Assert.Empty(sent.Except(others));
    }

    /// <summary>The offsets of the partition's messages in order, read with the Event Hubs client.</summary>
    private static async Task<List<long>> OffsetsAsync(EventHubsEmulatorServer emulator)
    {
        var offsets = new List<long>();
        await StreamReadback.ForEachMessageAsync(emulator.ConnectionString(PipelineStreamsCluster.HubName), data => offsets.Add(long.Parse(data.OffsetString, CultureInfo.InvariantCulture)));
        return offsets;
    }

    /// <summary>The partition's checkpoint as stored (the grain checkpointer's state), not as the receiver last offered it.</summary>
    private static async Task<long> StoredCheckpointAsync(InProcessTestCluster cluster)
    {
        var factory = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IStreamQueueCheckpointerFactory>(PipelineStreams.ProviderName);
        var checkpointer = await factory.Create("0", CancellationToken.None);
        var stored = await checkpointer.Load(CancellationToken.None);
        Assert.False(string.IsNullOrEmpty(stored), "no checkpoint stored");
        return long.Parse(stored, CultureInfo.InvariantCulture);
    }

    private static async Task<(IReadOnlyList<string> Received, long Wakes)> RunAsync(StreamCacheOptions cache, bool postAfterHidden)
    {
        using var data = new TempDirectory();
        // One partition: the hidden read is the stream's partition's.
        await using var emulator = await PipelineStreamsCluster.StartEmulatorAsync(data.Path, partitionCount: 1);
        using var readings = new StreamCacheReadings();
        var run = Guid.NewGuid().ToString("N");
        await using var cluster = await PipelineStreamsCluster.StartAsync("missed-wake-test", data.Path, emulator, cache, static _ => { });
        var stream = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName).GetStream<string>(StreamId.Create(EventHubStreamsTests.Namespace, run));

        await SecondMessageUnannouncedAsync(cluster, stream, run);
        var expected = 2;
        if (postAfterHidden)
        {
            await stream.OnNextAsync("m-2");
            expected = 3;
        }

        var received = await ReceivedEvents.WaitAsync(run, r => r.Count >= expected, TimeSpan.FromSeconds(60));
        return (received, readings.Wakes);
    }

    /// <summary>
    /// Posts m-0 and waits for it, so that the stream's cursor has caught up; then m-1 is read into the cache
    /// without the agent being told.
    /// </summary>
    private static async Task SecondMessageUnannouncedAsync(InProcessTestCluster cluster, IAsyncStream<string> stream, string run)
    {
        await stream.OnNextAsync("m-0");
        await ReceivedEvents.WaitAsync(run, static r => r.Count == 1, TimeSpan.FromSeconds(60));
        var guard = GuardOf(cluster);
        guard.HideNextReadOf(stream.StreamId);
        await stream.OnNextAsync("m-1");
        await Poll.UntilAsync(() => guard.HidRead, TimeSpan.FromSeconds(30), static () => "m-1 was not read");
    }

    /// <summary>
    /// Posts the next of o-0, o-1, ... to <paramref name="other"/> five times a second until <paramref name="done"/>, at
    /// most <paramref name="most"/> of them; whether <paramref name="done"/> came first.
    /// </summary>
    private static async Task<bool> PostUntilAsync(IAsyncStream<string> other, List<string> sent, Func<bool> done, int most)
    {
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        for (var posted = 0; !done(); posted++)
        {
            if (posted == most)
            {
                return false;
            }

            sent.Add($"o-{sent.Count}");
            await other.OnNextAsync(sent[^1]);
            await pace.WaitForNextTickAsync();
        }

        return true;
    }

    private static PurgeGuard GuardOf(InProcessTestCluster cluster) =>
        cluster.Silos[0].ServiceProvider.GetRequiredService<PurgeGuards>().For(PipelineStreams.ProviderName, "0");
}
