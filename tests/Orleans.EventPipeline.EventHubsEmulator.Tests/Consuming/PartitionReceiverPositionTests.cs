using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Consuming;

public sealed class PartitionReceiverPositionTests
{
    private const string Partition = "0";

    [Fact]
    public async Task ReceiveBatchAsync_FromEarliest_StartsAtFirstEvent()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await SendAsync(emulator, 0, 10);

        List<EventData> received = await EventReading.ReadAsync(emulator.ConnectionString, Partition, EventPosition.Earliest, 10);

        Assert.Equal(Names(0, 10), received.Select(EventReading.Text));
    }

    [Fact]
    public async Task ReceiveBatchAsync_FromLatest_OnlyEventsSentAfterAttach()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await SendAsync(emulator, 0, 5);
        await using var receiver = new PartitionReceiver(EventHubConsumerClient.DefaultConsumerGroupName, Partition, EventPosition.Latest, emulator.ConnectionString);
        Assert.Empty(await receiver.ReceiveBatchAsync(10, TimeSpan.FromMilliseconds(300)));

        await SendAsync(emulator, 5, 2);

        var received = new List<EventData>();
        using var deadline = new CancellationTokenSource(EventReading.Deadline);
        while (received.Count < 2)
        {
            received.AddRange(await receiver.ReceiveBatchAsync(10, TimeSpan.FromMilliseconds(500), deadline.Token));
        }

        Assert.Equal(Names(5, 2), received.Select(EventReading.Text));
    }

    [Theory]
    [InlineData(true, 4)]
    [InlineData(false, 5)]
    public async Task ReceiveBatchAsync_FromOffset_HonoursInclusiveness(bool inclusive, int firstExpected)
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await SendAsync(emulator, 0, 10);
        List<EventData> all = await EventReading.ReadAsync(emulator.ConnectionString, Partition, EventPosition.Earliest, 10);

        List<EventData> received = await EventReading.ReadAsync(emulator.ConnectionString, Partition, EventPosition.FromOffset(all[4].OffsetString, inclusive), 10 - firstExpected);

        Assert.Equal(Names(firstExpected, 10 - firstExpected), received.Select(EventReading.Text));
    }

    [Theory]
    [InlineData(true, 3)]
    [InlineData(false, 4)]
    public async Task ReceiveBatchAsync_FromSequenceNumber_HonoursInclusiveness(bool inclusive, int firstExpected)
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await SendAsync(emulator, 0, 10);

        List<EventData> received = await EventReading.ReadAsync(emulator.ConnectionString, Partition, EventPosition.FromSequenceNumber(3, inclusive), 10 - firstExpected);

        Assert.Equal(Names(firstExpected, 10 - firstExpected), received.Select(EventReading.Text));
        Assert.Equal(firstExpected, received[0].SequenceNumber);
    }

    [Fact]
    public async Task ReceiveBatchAsync_FromEnqueuedTime_OnlyEventsEnqueuedStrictlyAfter()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await SendAsync(emulator, 0, 3);
        DateTimeOffset firstBatchTime = (await EventReading.ReadAsync(emulator.ConnectionString, Partition, EventPosition.Earliest, 3))[^1].EnqueuedTime;
        await WaitUntilClockPassesAsync(firstBatchTime);
        await SendAsync(emulator, 3, 3);

        List<EventData> received = await EventReading.ReadAsync(emulator.ConnectionString, Partition, EventPosition.FromEnqueuedTime(firstBatchTime), 3);

        Assert.Equal(Names(3, 3), received.Select(EventReading.Text));
    }

    private static async Task SendAsync(TestEmulator emulator, int first, int count)
    {
        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        for (int i = first; i < first + count; i++)
        {
            await producer.SendAsync([new EventData($"event-{i}")], new SendEventOptions { PartitionId = Partition });
        }
    }

    /// <summary>Enqueued times have millisecond resolution; the next send must be stamped later.</summary>
    private static async Task WaitUntilClockPassesAsync(DateTimeOffset time)
    {
        DateTimeOffset deadline = DateTimeOffset.UtcNow + EventReading.Deadline;
        while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() <= time.ToUnixTimeMilliseconds() && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Yield();
        }
    }

    private static IEnumerable<string> Names(int first, int count) => Enumerable.Range(first, count).Select(static i => $"event-{i}");
}
