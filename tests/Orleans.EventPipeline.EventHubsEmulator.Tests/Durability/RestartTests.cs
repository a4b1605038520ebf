using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Durability;

public sealed class RestartTests
{
    [Fact]
    public async Task SendAsync_AfterGracefulRestart_SequenceNumbersAndOffsetsContinue()
    {
        using var data = new TempDirectory();
        await using (TestEmulator first = await TestEmulator.StartAsync(dataDirectory: data.Path))
        {
            await SendAsync(first, 0, 5);
        }

        await using TestEmulator second = await TestEmulator.StartAsync(dataDirectory: data.Path);
        await SendAsync(second, 5, 5);

        List<EventData> all = await EventReading.ReadAsync(second.ConnectionString, "0", EventPosition.Earliest, 10);
        Assert.Equal(Enumerable.Range(0, 10).Select(static i => $"event-{i}"), all.Select(EventReading.Text));
        Assert.Equal(Enumerable.Range(0, 10).Select(static i => (long)i), all.Select(static e => e.SequenceNumber));
        long[] offsets = [.. all.Select(static e => long.Parse(e.OffsetString, System.Globalization.CultureInfo.InvariantCulture))];
        Assert.Equal(offsets.Order(), offsets);
        Assert.Equal(offsets.Length, offsets.Distinct().Count());
    }

    [Fact]
    public async Task StartAsync_PartitionCountChangedOnExistingData_RefusedNamingBothCounts()
    {
        using var data = new TempDirectory();
        await using (TestEmulator first = await TestEmulator.StartAsync(partitionCount: 1, dataDirectory: data.Path))
        {
            await SendAsync(first, 0, 3);
        }

        var refused = await Assert.ThrowsAsync<Orleans.EventPipeline.EventHubsEmulator.Hosting.EmulatorDataMismatchException>(async () => await TestEmulator.StartAsync(partitionCount: 4, dataDirectory: data.Path));

        Assert.Contains("has 1 partitions", refused.Message, StringComparison.Ordinal);
        Assert.Contains("PartitionCount is 4", refused.Message, StringComparison.Ordinal);
        // The same count still opens the data, with its events.
        await using TestEmulator again = await TestEmulator.StartAsync(partitionCount: 1, dataDirectory: data.Path);
        Assert.Equal(3, (await EventReading.ReadAsync(again.ConnectionString, "0", EventPosition.Earliest, 3)).Count);
    }

    private static async Task SendAsync(TestEmulator emulator, int first, int count)
    {
        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        for (int i = first; i < first + count; i++)
        {
            await producer.SendAsync([new EventData($"event-{i}")], new SendEventOptions { PartitionId = "0" });
        }
    }
}
