using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Consuming;

public sealed class RuntimeMetricsTests
{
    [Fact]
    public async Task ReadLastEnqueuedEventProperties_TrackingEnabled_ReportsPartitionTail()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using (var producer = new EventHubProducerClient(emulator.ConnectionString))
        {
            await producer.SendAsync([new EventData("a"), new EventData("b"), new EventData("c")], new SendEventOptions { PartitionId = "0" });
        }

        var options = new PartitionReceiverOptions { TrackLastEnqueuedEventProperties = true };
        await using var receiver = new PartitionReceiver(EventHubConsumerClient.DefaultConsumerGroupName, "0", EventPosition.Earliest, emulator.ConnectionString, options);
        var received = new List<EventData>();
        using var deadline = new CancellationTokenSource(EventReading.Deadline);
        while (received.Count == 0)
        {
            received.AddRange(await receiver.ReceiveBatchAsync(1, TimeSpan.FromMilliseconds(500), deadline.Token));
        }

        LastEnqueuedEventProperties tail = receiver.ReadLastEnqueuedEventProperties();
        Assert.Equal(2, tail.SequenceNumber);
        Assert.Equal(received[0].EnqueuedTime, tail.EnqueuedTime);
        Assert.NotNull(tail.LastReceivedTime);
    }
}
