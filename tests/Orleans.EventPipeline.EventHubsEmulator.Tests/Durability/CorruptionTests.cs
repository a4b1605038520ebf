using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Durability;

public sealed class CorruptionTests
{
    private const int Events = 20;

    [Fact]
    public async Task ReceiveBatchAsync_ByteFlippedMidSegment_ConsumerGetsErrorNeverTheCorruptEvent()
    {
        using var data = new TempDirectory();
        await using (TestEmulator writer = await TestEmulator.StartAsync(dataDirectory: data.Path))
        {
            await using var producer = new EventHubProducerClient(writer.ConnectionString);
            for (int i = 0; i < Events; i++)
            {
                await producer.SendAsync([new EventData(new string((char)('a' + i), 500))], new SendEventOptions { PartitionId = "0" });
            }
        }

        string segment = SegmentFiles.Last(data.Path, "0");
        byte[] bytes = await File.ReadAllBytesAsync(segment);
        bytes[bytes.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(segment, bytes);

        await using TestEmulator reader = await TestEmulator.StartAsync(dataDirectory: data.Path);
        var options = new PartitionReceiverOptions { RetryOptions = new EventHubsRetryOptions { MaximumRetries = 0 } };
        await using var receiver = new PartitionReceiver(EventHubConsumerClient.DefaultConsumerGroupName, "0", EventPosition.Earliest, reader.ConnectionString, options);
        var received = new List<EventData>();
        Exception? failure = null;
        DateTimeOffset deadline = DateTimeOffset.UtcNow + EventReading.Deadline;
        while (failure is null && DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                received.AddRange(await receiver.ReceiveBatchAsync(Events, TimeSpan.FromMilliseconds(500)));
            }
            catch (EventHubsException exception)
            {
                failure = exception;
            }
        }

        Assert.NotNull(failure);
        Assert.Contains("corrupt", failure.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.InRange(received.Count, 1, Events - 1);
        for (int i = 0; i < received.Count; i++)
        {
            Assert.Equal(new string((char)('a' + i), 500), EventReading.Text(received[i]));
        }
    }
}
