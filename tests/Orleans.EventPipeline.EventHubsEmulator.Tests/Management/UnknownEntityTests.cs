using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Management;

public sealed class UnknownEntityTests
{
    [Fact]
    public async Task GetEventHubPropertiesAsync_UnknownHub_ResourceNotFound()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using var producer = new EventHubProducerClient(emulator.Server.ConnectionString("missing-hub"));

        EventHubsException error = await Assert.ThrowsAsync<EventHubsException>(() => producer.GetEventHubPropertiesAsync());

        Assert.Equal(EventHubsException.FailureReason.ResourceNotFound, error.Reason);
        Assert.Contains("missing-hub", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_UnknownHub_ResourceNotFound()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using var producer = new EventHubProducerClient(emulator.Server.ConnectionString("missing-hub"));

        EventHubsException error = await Assert.ThrowsAsync<EventHubsException>(() => producer.SendAsync([new EventData("x")]));

        Assert.Equal(EventHubsException.FailureReason.ResourceNotFound, error.Reason);
    }

    [Fact]
    public async Task ReceiveBatchAsync_UnknownPartition_ResourceNotFoundAndServerKeepsServing()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using (var receiver = new PartitionReceiver(EventHubConsumerClient.DefaultConsumerGroupName, "42", EventPosition.Earliest, emulator.ConnectionString))
        {
            EventHubsException error = await Assert.ThrowsAsync<EventHubsException>(() => receiver.ReceiveBatchAsync(1, TimeSpan.FromMilliseconds(100)));
            Assert.Equal(EventHubsException.FailureReason.ResourceNotFound, error.Reason);
        }

        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        await producer.SendAsync([new EventData("still-serving")], new SendEventOptions { PartitionId = "0" });
        Assert.Single(await EventReading.ReadAsync(emulator.ConnectionString, "0", EventPosition.Earliest, 1));
    }

    [Fact]
    public async Task ReceiveBatchAsync_UnknownConsumerGroup_ResourceNotFoundWhileConfiguredGroupReads()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using (var producer = new EventHubProducerClient(emulator.ConnectionString))
        {
            await producer.SendAsync([new EventData("grouped")], new SendEventOptions { PartitionId = "0" });
        }

        await using (var missing = new PartitionReceiver("no-such-group", "0", EventPosition.Earliest, emulator.ConnectionString))
        {
            EventHubsException error = await Assert.ThrowsAsync<EventHubsException>(() => missing.ReceiveBatchAsync(1, TimeSpan.FromMilliseconds(100)));
            Assert.Equal(EventHubsException.FailureReason.ResourceNotFound, error.Reason);
        }

        Assert.Single(await EventReading.ReadAsync(emulator.ConnectionString, "0", EventPosition.Earliest, 1, consumerGroup: "other"));
    }
}
