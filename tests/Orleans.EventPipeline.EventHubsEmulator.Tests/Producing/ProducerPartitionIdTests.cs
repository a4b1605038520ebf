using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Producing;

public sealed class ProducerPartitionIdTests
{
    [Fact]
    public async Task SendAsync_WithPartitionId_OnlyThatPartitionGrows()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using var producer = new EventHubProducerClient(emulator.ConnectionString);

        await producer.SendAsync([new EventData("a"), new EventData("b"), new EventData("c")], new SendEventOptions { PartitionId = "3" });

        foreach (string id in await producer.GetPartitionIdsAsync())
        {
            PartitionProperties properties = await producer.GetPartitionPropertiesAsync(id);
            Assert.Equal(id == "3" ? 2 : -1, properties.LastEnqueuedSequenceNumber);
            Assert.Equal(id != "3", properties.IsEmpty);
        }
    }
}
