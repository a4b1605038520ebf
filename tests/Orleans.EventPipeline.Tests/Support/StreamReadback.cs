using System.Buffers.Binary;
using Azure.Messaging.EventHubs.Consumer;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>One event as read back from Event Hubs, decoded by the rules of docs/STREAM-FORMAT.md.</summary>
internal sealed record StoredEvent(string Tenant, string BatchId, int Index, string Kind, string PartitionKey, byte[] Bytes);

/// <summary>One dead letter as read back from the dead-letter messages.</summary>
internal sealed record StoredDeadLetter(string Tenant, string BatchId, int Index, string Reason, byte[] Raw, string Stage);

/// <summary>
/// Reads every pipeline message from the event hub with the real SDK consumer and decodes it
/// independently of the product's codec, so a change to the format that breaks the document fails here.
/// </summary>
internal static class StreamReadback
{
    /// <summary>Property a test sets on the foreign messages it writes to the hub, so readback skips them.</summary>
    public const string ForeignProperty = "test-foreign";

    /// <summary>
    /// Reads every message the hub holds right now, partition by partition up to its last enqueued
    /// sequence number. A 200 from the gateway means durable, so everything acknowledged is there:
    /// no waiting and guessing, and a duplicate would show up as an extra event.
    /// </summary>
    public static async Task<(List<StoredEvent> Events, List<StoredDeadLetter> DeadLetters)> ReadAllAsync(string connectionString)
    {
        var events = new List<StoredEvent>();
        var letters = new List<StoredDeadLetter>();
        await ForEachMessageAsync(connectionString, data => Decode(data, events, letters));
        return (events, letters);
    }

    /// <summary>Hands every message the hub holds right now to <paramref name="visit"/>, partition by partition.</summary>
    public static Task ForEachMessageAsync(string connectionString, Action<Azure.Messaging.EventHubs.EventData> visit) =>
        ForEachMessageAsync(connectionString, (_, data) => visit(data));

    /// <summary>Hands every message the hub holds right now, with its partition id, to <paramref name="visit"/>.</summary>
    public static async Task ForEachMessageAsync(string connectionString, Action<string, Azure.Messaging.EventHubs.EventData> visit)
    {
        await using var consumer = new EventHubConsumerClient(EventHubConsumerClient.DefaultConsumerGroupName, connectionString);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var partition in await consumer.GetPartitionIdsAsync(cancellation.Token))
        {
            var properties = await consumer.GetPartitionPropertiesAsync(partition, cancellation.Token);
            if (properties.IsEmpty)
            {
                continue;
            }

            await foreach (var partitionEvent in consumer.ReadEventsFromPartitionAsync(partition, EventPosition.Earliest, cancellation.Token))
            {
                visit(partition, partitionEvent.Data);
                if (partitionEvent.Data.SequenceNumber >= properties.LastEnqueuedSequenceNumber)
                {
                    break;
                }
            }
        }
    }

    private static void Decode(Azure.Messaging.EventHubs.EventData data, List<StoredEvent> events, List<StoredDeadLetter> letters)
    {
        var properties = data.Properties;
        // Messages not in the pipeline's format, or written to the hub by tests posing as other clients, are not events.
        if (!properties.TryGetValue("ep-format", out var formatValue) || formatValue is not string format || properties.ContainsKey(ForeignProperty))
        {
            return;
        }

        var tenant = (string)properties["ep-tenant"];
        var batch = (string)properties["ep-batch"];
        var body = data.EventBody.ToArray();
        if (format == "eventpipeline.raw.v1")
        {
            var index = Convert.ToInt32(properties["ep-first-index"], System.Globalization.CultureInfo.InvariantCulture);
            var kind = (string)properties["ep-kind"];
            var position = 0;
            while (position < body.Length)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(position));
                events.Add(new StoredEvent(tenant, batch, index++, kind, data.PartitionKey, body.AsSpan(position + 4, length).ToArray()));
                position += 4 + length;
            }

            Assert.Equal(Convert.ToInt32(properties["ep-count"], System.Globalization.CultureInfo.InvariantCulture), index - Convert.ToInt32(properties["ep-first-index"], System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (format == "eventpipeline.deadletter.v1")
        {
            foreach (var line in System.Text.Encoding.UTF8.GetString(body).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var json = System.Text.Json.JsonDocument.Parse(line);
                var root = json.RootElement;
                letters.Add(new StoredDeadLetter(tenant, batch, root.GetProperty("index").GetInt32(), root.GetProperty("reason").GetString()!, root.GetProperty("raw").GetBytesFromBase64(), (string)properties["ep-stage"]));
            }
        }
    }
}
