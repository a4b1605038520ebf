using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Producing;

public sealed class BufferedProducerTests
{
    [Fact]
    public async Task EnqueueEventsAsync_ThenFlush_AllEventsReadableFromTheirPartition()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        int failures = 0;
        await using (var buffered = new EventHubBufferedProducerClient(emulator.ConnectionString))
        {
            buffered.SendEventBatchFailedAsync += _ =>
            {
                Interlocked.Increment(ref failures);
                return Task.CompletedTask;
            };
            await buffered.EnqueueEventsAsync(
                [.. Enumerable.Range(0, 100).Select(static i => new EventData($"buffered-{i}"))],
                new EnqueueEventOptions { PartitionId = "1" });
            await buffered.FlushAsync();
        }

        Assert.Equal(0, failures);
        List<EventData> received = await EventReading.ReadAsync(emulator.ConnectionString, "1", EventPosition.Earliest, 100);
        Assert.Equal(Enumerable.Range(0, 100).Select(static i => $"buffered-{i}"), received.Select(EventReading.Text));
    }
}
