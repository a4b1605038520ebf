using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Management;

public sealed class HubPropertiesTests
{
    [Fact]
    public async Task GetEventHubPropertiesAsync_ConfiguredHub_NameAndPartitionIds()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync(partitionCount: 3);
        await using var producer = new EventHubProducerClient(emulator.ConnectionString);

        EventHubProperties properties = await producer.GetEventHubPropertiesAsync();

        Assert.Equal(TestEmulator.Hub, properties.Name);
        Assert.Equal(["0", "1", "2"], properties.PartitionIds);
        Assert.True(properties.CreatedOn <= DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task GetPartitionPropertiesAsync_AfterSends_ReportsLastEnqueuedEvent()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        PartitionProperties empty = await producer.GetPartitionPropertiesAsync("1");
        await producer.SendAsync([new EventData("a"), new EventData("b")], new SendEventOptions { PartitionId = "1" });

        PartitionProperties properties = await producer.GetPartitionPropertiesAsync("1");

        Assert.True(empty.IsEmpty);
        Assert.Equal(-1, empty.LastEnqueuedSequenceNumber);
        Assert.False(properties.IsEmpty);
        Assert.Equal("1", properties.Id);
        Assert.Equal(TestEmulator.Hub, properties.EventHubName);
        Assert.Equal(0, properties.BeginningSequenceNumber);
        Assert.Equal(1, properties.LastEnqueuedSequenceNumber);
        Assert.True(long.Parse(properties.LastEnqueuedOffsetString, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(properties.LastEnqueuedTime > DateTimeOffset.UtcNow.AddMinutes(-1));
    }
}
