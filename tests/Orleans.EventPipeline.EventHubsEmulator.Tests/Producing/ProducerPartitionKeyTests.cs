using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Producing;

public sealed class ProducerPartitionKeyTests
{
    [Fact]
    public async Task SendAsync_SameKeyInSeparateSends_OnePartitionHoldsAllAndKeyRoundTrips()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using var producer = new EventHubProducerClient(emulator.ConnectionString);

        for (int i = 0; i < 5; i++)
        {
            await producer.SendAsync([new EventData($"keyed-{i}")], new SendEventOptions { PartitionKey = "tenant-a/stream-1" });
        }

        var holders = new List<string>();
        foreach (string id in await producer.GetPartitionIdsAsync())
        {
            if (!(await producer.GetPartitionPropertiesAsync(id)).IsEmpty)
            {
                holders.Add(id);
            }
        }

        string holder = Assert.Single(holders);
        List<EventData> received = await EventReading.ReadAsync(emulator.ConnectionString, holder, EventPosition.Earliest, 5);
        Assert.Equal(5, received.Count);
        Assert.All(received, static e => Assert.Equal("tenant-a/stream-1", e.PartitionKey));
        Assert.Equal(Enumerable.Range(0, 5).Select(static i => $"keyed-{i}"), received.Select(EventReading.Text));
    }
}
