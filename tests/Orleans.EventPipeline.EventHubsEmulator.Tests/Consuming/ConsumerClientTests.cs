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

    [Fact]
    public async Task ReceiveBatchAsync_LargeEvents_ArriveWholeAndInOrder()
    {
        // Sizes around the SDK's 64 KiB transfer frames, in which the emulator delivers, up to near the hub's 1 MiB limit,
        // each body random bytes of its own, so a frame's bytes lost, repeated or out of order change what arrives.
        int[] sizes = [100, 65_000, 65_536, 65_537, 200_000, 1_000_000, 131_072];
        byte[][] bodies = sizes.Select(static (size, n) =>
        {
            var body = new byte[size];
            new Random(n).NextBytes(body);
            return body;
        }).ToArray();
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using (var producer = new EventHubProducerClient(emulator.ConnectionString))
        {
            foreach (byte[] body in bodies)
            {
                var data = new EventData(body);
                data.Properties["size"] = body.Length;
                await producer.SendAsync([data], new SendEventOptions { PartitionId = "3" });
            }
        }

        List<EventData> received = await EventReading.ReadAsync(emulator.ConnectionString, "3", EventPosition.Earliest, bodies.Length);

        Assert.Equal(sizes, received.Select(static e => (int)e.Properties["size"]));
        Assert.All(bodies.Zip(received), static pair => Assert.True(pair.First.AsSpan().SequenceEqual(pair.Second.EventBody.ToMemory().Span)));
        Assert.Equal(Enumerable.Range(0, bodies.Length).Select(static i => (long)i), received.Select(static e => e.SequenceNumber));
    }
}
