using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Producing;

public sealed class ProducerSingleEventTests
{
    [Fact]
    public async Task SendAsync_SingleEventToPartition_ReadBackWithPropertiesAndSystemAnnotations()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        var sent = new EventData("hello") { MessageId = "m-1", ContentType = "text/plain" };
        sent.Properties["StreamNamespace"] = null;
        sent.Properties["tenant"] = "t1";

        await producer.SendAsync([sent], new SendEventOptions { PartitionId = "1" });

        List<EventData> received = await EventReading.ReadAsync(emulator.ConnectionString, "1", EventPosition.Earliest, 1);
        EventData single = Assert.Single(received);
        Assert.Equal("hello", EventReading.Text(single));
        Assert.Equal("m-1", single.MessageId);
        Assert.Equal("text/plain", single.ContentType);
        Assert.Equal("t1", single.Properties["tenant"]);
        Assert.True(single.Properties.ContainsKey("StreamNamespace"));
        Assert.Null(single.Properties["StreamNamespace"]);
        Assert.Equal(0, single.SequenceNumber);
        Assert.True(single.EnqueuedTime > DateTimeOffset.UtcNow.AddMinutes(-1));
    }
}
