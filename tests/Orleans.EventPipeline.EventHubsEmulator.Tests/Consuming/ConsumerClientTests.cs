using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Consuming;

public sealed class ConsumerClientTests
{
    [Fact]
    public async Task ReadEventsAsync_UnkeyedSendsSpreadOverPartitions_ReadsEveryEventOnce()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using (var producer = new EventHubProducerClient(emulator.ConnectionString))
        {
            for (int i = 0; i < 20; i++)
            {
                await producer.SendAsync([new EventData($"spread-{i}")]);
            }
        }

        await using var consumer = new EventHubConsumerClient(EventHubConsumerClient.DefaultConsumerGroupName, emulator.ConnectionString);
        var seen = new List<string>();
        var partitions = new HashSet<string>();
        using var deadline = new CancellationTokenSource(EventReading.Deadline);
        await foreach (PartitionEvent item in consumer.ReadEventsAsync(startReadingAtEarliestEvent: true, cancellationToken: deadline.Token))
        {
            seen.Add(EventReading.Text(item.Data));
            partitions.Add(item.Partition.PartitionId);
            if (seen.Count == 20)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(static i => $"spread-{i}").Order(), seen.Order());
        Assert.Equal(4, partitions.Count);
    }
}
