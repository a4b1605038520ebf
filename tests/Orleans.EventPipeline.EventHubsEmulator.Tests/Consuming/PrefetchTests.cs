using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Consuming;

public sealed class PrefetchTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public async Task ReceiveBatchAsync_PrefetchCount_EveryEventDeliveredInOrder(int prefetchCount)
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using (var producer = new EventHubProducerClient(emulator.ConnectionString))
        {
            await producer.SendAsync([.. Enumerable.Range(0, 50).Select(static i => new EventData($"event-{i}"))], new SendEventOptions { PartitionId = "0" });
        }

        var options = new PartitionReceiverOptions { PrefetchCount = prefetchCount };
        await using var receiver = new PartitionReceiver(EventHubConsumerClient.DefaultConsumerGroupName, "0", EventPosition.Earliest, emulator.ConnectionString, options);
        var received = new List<EventData>();
        using var deadline = new CancellationTokenSource(EventReading.Deadline);
        while (received.Count < 50)
        {
            received.AddRange(await receiver.ReceiveBatchAsync(3, TimeSpan.FromMilliseconds(500), deadline.Token));
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(static i => $"event-{i}"), received.Select(EventReading.Text));
    }
}
