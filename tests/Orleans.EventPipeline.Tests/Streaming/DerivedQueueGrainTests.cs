using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Streaming.Derived;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// The derived streams' queue grain at its byte budget: a publish that does not fit waits its turn and is
/// queued once a read makes room, or is refused after the wait and then never delivered, so the publisher's
/// retry cannot double it; a read of an empty queue waits for what comes within its wait, and only the queue's
/// current reader takes it.
/// </summary>
public sealed class DerivedQueueGrainTests : IAsyncLifetime, IDisposable
{
    private const int MessageBytes = 600 * 1024;
    private static readonly Guid Reader = Guid.NewGuid();
    private readonly TempDirectory _archive = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ProcessingTestCluster.StartAsync(_archive.Path, configureSilo: static silo =>
            silo.Services.Configure<DerivedStreamOptions>(static options => options.MaxQueueBytes = DerivedStreamOptions.LeastMaxQueueBytes));

    [Fact]
    public async Task Enqueue_QueueFull_WaitsAndIsQueuedAfterTheReadThatMakesRoom()
    {
        var queue = _cluster.Client.GetGrain<IDerivedQueueGrain>("wait-" + Guid.NewGuid().ToString("N"));
        await queue.Enqueue(Message("a"));

        var waiting = queue.Enqueue(Message("b"));
        var first = await queue.Dequeue(10, Reader);
        await waiting;
        var second = await queue.Dequeue(10, Reader);

        Assert.Equal(["a"], Keys(first));
        Assert.Equal(["b"], Keys(second));
        Assert.True(second[0].SequenceNumber > first[0].SequenceNumber);
    }

    [Fact]
    public async Task Enqueue_NoRoomWithinTheWait_RefusedNeverDeliveredAndTheNextFits()
    {
        var queue = _cluster.Client.GetGrain<IDerivedQueueGrain>("refuse-" + Guid.NewGuid().ToString("N"));
        await queue.Enqueue(Message("a"));

        var refused = await Assert.ThrowsAsync<DerivedQueueFullException>(() => queue.Enqueue(Message("b")));
        Assert.Contains("Pipeline:DerivedStreams:MaxQueueBytes", refused.Message, StringComparison.Ordinal);

        Assert.Equal(["a"], Keys(await queue.Dequeue(10, Reader)));
        await queue.Enqueue(Message("c"));
        Assert.Equal(["c"], Keys(await queue.Dequeue(10, Reader)));
        Assert.Empty(await queue.Dequeue(10, Reader));
    }

    [Fact]
    public async Task Dequeue_EmptyQueue_WaitsAndAnswersWithTheMessageQueuedMeanwhile()
    {
        var queue = _cluster.Client.GetGrain<IDerivedQueueGrain>("arrive-" + Guid.NewGuid().ToString("N"));

        // A read that answered an empty queue at once would come back empty here.
        var reading = queue.Dequeue(10, Reader);
        await queue.Enqueue(Message("a"));

        Assert.Equal(["a"], Keys(await reading));
    }

    [Fact]
    public async Task Dequeue_NothingQueuedWithinTheWait_AnswersEmptyAfterIt()
    {
        var queue = _cluster.Client.GetGrain<IDerivedQueueGrain>("idle-" + Guid.NewGuid().ToString("N"));

        var started = Stopwatch.GetTimestamp();
        var taken = await queue.Dequeue(10, Reader);

        Assert.Empty(taken);
        // Timers may fire a few milliseconds early on some platforms; 10 % of the wait covers it.
        Assert.True(Stopwatch.GetElapsedTime(started) >= DerivedStreamOptions.ReadWait * 0.9, $"answered after {Stopwatch.GetElapsedTime(started)}");
        await queue.Enqueue(Message("b"));
        Assert.Equal(["b"], Keys(await queue.Dequeue(10, Reader)));
    }

    [Fact]
    public async Task StopReading_WhileItsReadWaits_TheReadEndsEmptyAndTheNextOwnerTakesWhatCameAfter()
    {
        var queue = _cluster.Client.GetGrain<IDerivedQueueGrain>("stop-" + Guid.NewGuid().ToString("N"));
        var next = Guid.NewGuid();

        var started = Stopwatch.GetTimestamp();
        var stale = queue.Dequeue(10, Reader);
        // Calls not awaited in turn may arrive in either order: a stop that came before the read stopped nothing, so it
        // is sent again until the read has ended, which must be before its wait for messages would have run out.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            await queue.StopReading(Reader);
        }
        while (await Task.WhenAny(stale, Task.Delay(TimeSpan.FromMilliseconds(50))) != stale && DateTime.UtcNow < deadline);

        Assert.True(Stopwatch.GetElapsedTime(started) < DerivedStreamOptions.ReadWait, $"the stopped read ended after {Stopwatch.GetElapsedTime(started)}, its wait");
        await queue.Enqueue(Message("a"));

        // The stopped agent would drop what its read brought: it must bring nothing.
        Assert.Empty(await stale);
        Assert.Equal(["a"], Keys(await queue.Dequeue(10, next)));
    }

    [Fact]
    public async Task Dequeue_ANewReaderWhileAnOlderWaits_TheOlderEndsEmptyAndTheNewerTakes()
    {
        var queue = _cluster.Client.GetGrain<IDerivedQueueGrain>("move-" + Guid.NewGuid().ToString("N"));

        var started = Stopwatch.GetTimestamp();
        var older = queue.Dequeue(10, Reader);
        var newerReader = Guid.NewGuid();
        var newer = queue.Dequeue(10, newerReader);
        // Calls not awaited in turn may arrive in either order (CI once saw the older read take the message): when the
        // newer read came first, the older took the queue from it and it ended empty, so it reads again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!older.IsCompleted && DateTime.UtcNow < deadline)
        {
            if (newer.IsCompleted)
            {
                Assert.Empty(await newer);
                newer = queue.Dequeue(10, newerReader);
            }

            await Task.WhenAny(older, Task.Delay(TimeSpan.FromMilliseconds(50)));
        }

        Assert.True(Stopwatch.GetElapsedTime(started) < DerivedStreamOptions.ReadWait, $"the older read ended after {Stopwatch.GetElapsedTime(started)}, its wait");
        Assert.Empty(await older);
        await queue.Enqueue(Message("a"));
        Assert.Equal(["a"], Keys(await newer));
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _archive.Dispose();

    private static DerivedMessage Message(string key) => new(StreamId.Create("derived-queue-test", key), new byte[MessageBytes], 0, default);

    private static string[] Keys(List<DerivedMessage> messages) => [.. messages.Select(static m => m.StreamId.GetKeyAsString())];
}
