using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Durability;

/// <summary>The emulator's data directory on a small tmpfs that really fills: sends fail clearly while full and succeed again once space is freed, without a restart.</summary>
public sealed class DiskFullTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SendAsync_DiskFull_RefusedWithQuotaExceededAndPartitionUnhealthyThenAcceptedAfterSpaceIsFreed()
    {
        using var disk = TmpfsMount.Create(megabytes: 8);
        await using TestEmulator emulator = await TestEmulator.StartAsync(partitionCount: 1, dataDirectory: disk.Path);
        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        var stored = new List<string>();
        var refused = new List<string>();

        await SendAsync(producer, "before", 10, stored, refused);
        Assert.Empty(refused);

        // The segment's last page still has room for a few events; the first send needing a new page fails.
        disk.Fill();
        EventHubsException? full = null;
        for (var attempt = 0; full is null && attempt < 100; attempt++)
        {
            full = await SendAsync(producer, $"full-{attempt}", 1, stored, refused);
        }

        Assert.NotNull(full);
        Assert.Equal(EventHubsException.FailureReason.QuotaExceeded, full.Reason);
        Assert.False(full.IsTransient);
        Assert.Contains("its disk is full", full.Message, StringComparison.Ordinal);
        var partition = Assert.Single(emulator.Server.PartitionHealth);
        Assert.False(partition.Health.CanAppend);
        Assert.True(partition.Health.OutOfSpace);
        Assert.Equal("events/Partitions/0", partition.Path);

        // Still full: refused again, at once.
        disk.Fill();
        Assert.NotNull(await SendAsync(producer, "still-full", 1, stored, refused));

        disk.Free();
        var deadline = DateTime.UtcNow + Deadline;
        while (!emulator.Server.PartitionHealth[0].Health.CanAppend)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The partition did not recover within {Deadline}: {emulator.Server.PartitionHealth[0].Health.Reason}");
            await Task.Delay(50);
        }

        Assert.Null(await SendAsync(producer, "after", 10, stored, refused));

        // Every stored event once, in order, at consecutive sequence numbers; nothing refused, nothing after.
        var read = await EventReading.ReadAsync(emulator.ConnectionString, "0", EventPosition.Earliest, stored.Count);
        Assert.Equal(stored, read.Select(EventReading.Text));
        Assert.Equal(Enumerable.Range(0, stored.Count).Select(static i => (long)i), read.Select(static e => e.SequenceNumber));
        Assert.Empty(await EventReading.ReadAvailableAsync(emulator.ConnectionString, "0", EventPosition.FromSequenceNumber(stored.Count)));
        Assert.NotEmpty(refused);
    }

    /// <summary>Sends one batch of <paramref name="count"/> events to partition 0; returns the refusal, or null when stored.</summary>
    private static async Task<EventHubsException?> SendAsync(EventHubProducerClient producer, string prefix, int count, List<string> stored, List<string> refused)
    {
        var bodies = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}-{new string('x', 1000)}").ToList();
        try
        {
            await producer.SendAsync(bodies.Select(static b => new EventData(b)), new SendEventOptions { PartitionId = "0" });
            stored.AddRange(bodies);
            return null;
        }
        catch (EventHubsException exception)
        {
            refused.AddRange(bodies);
            return exception;
        }
    }
}
