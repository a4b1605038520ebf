using System.Collections.Concurrent;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Producing;

/// <summary>
/// The buffered producer hashes keys client-side and sends to explicit partitions; the plain
/// producer sends keys to the hub and the emulator hashes them. Both must agree for every key.
/// </summary>
public sealed class PartitionKeyPlacementTests
{
    [Fact]
    public async Task SendWithKey_BufferedAndPlainProducer_SameKeyLandsOnSamePartition()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync(partitionCount: 8);
        string[] keys = [.. Enumerable.Range(0, 40).Select(static i => $"key-{i}-{new string('x', i % 17)}"), "ü-ñ-日本", "a", "abcdefghijkl", "abcdefghijklm"];

        var bufferedPlacement = new ConcurrentDictionary<string, string>();
        await using (var buffered = new EventHubBufferedProducerClient(emulator.ConnectionString))
        {
            buffered.SendEventBatchFailedAsync += static args => throw new InvalidOperationException("Buffered send failed.", args.Exception);
            buffered.SendEventBatchSucceededAsync += args =>
            {
                foreach (EventData sent in args.EventBatch)
                {
                    bufferedPlacement[(string)sent.Properties["key"]] = args.PartitionId;
                }

                return Task.CompletedTask;
            };
            foreach (string key in keys)
            {
                var data = new EventData("buffered");
                data.Properties["key"] = key;
                await buffered.EnqueueEventAsync(data, new EnqueueEventOptions { PartitionKey = key });
            }

            await buffered.FlushAsync();
        }

        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        foreach (string key in keys)
        {
            var data = new EventData("plain");
            data.Properties["key"] = key;
            await producer.SendAsync([data], new SendEventOptions { PartitionKey = key });
        }

        var plainPlacement = new Dictionary<string, string>();
        foreach (string id in await producer.GetPartitionIdsAsync())
        {
            long last = (await producer.GetPartitionPropertiesAsync(id)).LastEnqueuedSequenceNumber;
            foreach (EventData e in await EventReading.ReadAsync(emulator.ConnectionString, id, EventPosition.Earliest, (int)(last + 1)))
            {
                if (EventReading.Text(e) == "plain")
                {
                    plainPlacement[(string)e.Properties["key"]] = id;
                }
            }
        }

        Assert.Equal(keys.Length, bufferedPlacement.Count);
        Assert.All(keys, key => Assert.Equal(bufferedPlacement[key], plainPlacement[key]));
        Assert.True(plainPlacement.Values.Distinct().Count() > 1, "40 keys over 8 partitions should not all hash to one partition.");
    }
}
