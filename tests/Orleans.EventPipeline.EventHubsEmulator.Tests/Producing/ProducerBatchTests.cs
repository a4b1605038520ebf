using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Producing;

public sealed class ProducerBatchTests
{
    [Fact]
    public async Task SendAsync_BatchOf50_EveryEventStoredInOrderWithItsOwnProperties()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        using EventDataBatch batch = await producer.CreateBatchAsync(new CreateBatchOptions { PartitionId = "2" });
        for (int i = 0; i < 50; i++)
        {
            var data = new EventData($"event-{i}");
            data.Properties["index"] = i;
            Assert.True(batch.TryAdd(data));
        }

        await producer.SendAsync(batch);

        List<EventData> received = await EventReading.ReadAsync(emulator.ConnectionString, "2", EventPosition.Earliest, 50);
        Assert.Equal(50, received.Count);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal($"event-{i}", EventReading.Text(received[i]));
            Assert.Equal(i, received[i].Properties["index"]);
            Assert.Equal(i, received[i].SequenceNumber);
        }

        Assert.True(received.Zip(received.Skip(1)).All(static pair => long.Parse(pair.First.OffsetString, System.Globalization.CultureInfo.InvariantCulture) < long.Parse(pair.Second.OffsetString, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
