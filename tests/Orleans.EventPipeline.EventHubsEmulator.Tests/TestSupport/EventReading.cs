using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

internal static class EventReading
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>Reads from <paramref name="position"/> until <paramref name="count"/> events arrived or the deadline passed.</summary>
    public static async Task<List<EventData>> ReadAsync(string connectionString, string partitionId, EventPosition position, int count, string consumerGroup = EventHubConsumerClient.DefaultConsumerGroupName)
    {
        await using var receiver = new PartitionReceiver(consumerGroup, partitionId, position, connectionString);
        var events = new List<EventData>();
        using var deadline = new CancellationTokenSource(Deadline);
        while (events.Count < count && !deadline.IsCancellationRequested)
        {
            IEnumerable<EventData> batch = await receiver.ReceiveBatchAsync(count - events.Count, TimeSpan.FromMilliseconds(500), deadline.Token);
            events.AddRange(batch);
        }

        return events;
    }

    /// <summary>Reads for a short while and returns whatever arrived; used to show that nothing more comes.</summary>
    public static async Task<List<EventData>> ReadAvailableAsync(string connectionString, string partitionId, EventPosition position, int maxCount = 100)
    {
        await using var receiver = new PartitionReceiver(EventHubConsumerClient.DefaultConsumerGroupName, partitionId, position, connectionString);
        return [.. await receiver.ReceiveBatchAsync(maxCount, TimeSpan.FromSeconds(1))];
    }

    public static string Text(EventData e) => e.EventBody.ToString();
}
