using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Consuming;

public sealed class OwnerLevelTests
{
    private static readonly EventHubsRetryOptions NoRetries = new() { MaximumRetries = 0, TryTimeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task ReceiveBatchAsync_HigherOwnerLevelAttaches_EarlierReceiverIsDisconnected()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using PartitionReceiver first = Create(emulator, ownerLevel: 1);
        await first.ReceiveBatchAsync(1, TimeSpan.FromMilliseconds(100));

        await using PartitionReceiver second = Create(emulator, ownerLevel: 2);
        await second.ReceiveBatchAsync(1, TimeSpan.FromMilliseconds(100));

        EventHubsException stolen = await ReceiveUntilFailureAsync(first);
        Assert.Equal(EventHubsException.FailureReason.ConsumerDisconnected, stolen.Reason);
    }

    [Fact]
    public async Task ReceiveBatchAsync_LowerOwnerLevelThanHolder_IsRefused()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using PartitionReceiver holder = Create(emulator, ownerLevel: 5);
        await holder.ReceiveBatchAsync(1, TimeSpan.FromMilliseconds(100));

        await using PartitionReceiver lower = Create(emulator, ownerLevel: 4);
        EventHubsException refused = await Assert.ThrowsAsync<EventHubsException>(() => lower.ReceiveBatchAsync(1, TimeSpan.FromMilliseconds(100)));

        Assert.Equal(EventHubsException.FailureReason.ConsumerDisconnected, refused.Reason);
    }

    [Fact]
    public async Task ReceiveBatchAsync_SixthReceiverWithoutOwnerLevel_QuotaExceeded()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        var receivers = new List<PartitionReceiver>();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                PartitionReceiver receiver = Create(emulator, ownerLevel: null);
                receivers.Add(receiver);
                await receiver.ReceiveBatchAsync(1, TimeSpan.FromMilliseconds(50));
            }

            PartitionReceiver sixth = Create(emulator, ownerLevel: null);
            receivers.Add(sixth);
            EventHubsException refused = await Assert.ThrowsAsync<EventHubsException>(() => sixth.ReceiveBatchAsync(1, TimeSpan.FromMilliseconds(50)));
            Assert.Equal(EventHubsException.FailureReason.QuotaExceeded, refused.Reason);
        }
        finally
        {
            foreach (PartitionReceiver receiver in receivers)
            {
                await receiver.DisposeAsync();
            }
        }
    }

    private static PartitionReceiver Create(TestEmulator emulator, long? ownerLevel) => new(
        EventHubConsumerClient.DefaultConsumerGroupName,
        "0",
        EventPosition.Earliest,
        emulator.ConnectionString,
        new PartitionReceiverOptions { OwnerLevel = ownerLevel, RetryOptions = NoRetries });

    private static async Task<EventHubsException> ReceiveUntilFailureAsync(PartitionReceiver receiver)
    {
        DateTimeOffset deadline = DateTimeOffset.UtcNow + EventReading.Deadline;
        while (DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                await receiver.ReceiveBatchAsync(1, TimeSpan.FromMilliseconds(100));
            }
            catch (EventHubsException exception)
            {
                return exception;
            }
        }

        throw new TimeoutException("The stolen receiver kept receiving.");
    }
}
