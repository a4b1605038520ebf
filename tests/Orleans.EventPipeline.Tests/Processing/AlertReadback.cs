using Orleans.EventPipeline.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Events;
using Orleans.Serialization;
using Orleans.Streaming.EventHubs;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// Reads alerts back from the event hub with the real SDK. Alerts keep Orleans' own message encoding
/// (docs/STREAM-FORMAT.md, "Other messages"), so they are decoded with the Orleans serializer.
/// </summary>
internal static class AlertReadback
{
    public static async Task<List<Alert>> ReadAsync(string connectionString, string tenant)
    {
        using var services = new ServiceCollection()
            .AddSerializer(builder => builder.AddAssembly(typeof(Alert).Assembly).AddAssembly(typeof(EventHubBatchContainer).Assembly))
            .BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var alerts = new List<Alert>();
        await StreamReadback.ForEachMessageAsync(connectionString, data =>
        {
            if (data.Properties.TryGetValue("StreamNamespace", out var ns) && (string)ns == EventStreams.Alerts && data.PartitionKey == tenant)
            {
                var message = new EventHubMessage(
                    StreamId.Create(EventStreams.Alerts, tenant), data.PartitionKey, data.OffsetString, data.SequenceNumber,
                    data.EnqueuedTime.UtcDateTime, DateTime.UtcNow, data.Properties, data.EventBody.ToArray());
                alerts.AddRange(new EventHubBatchContainer(message, serializer).GetEvents<Alert>().Select(static e => e.Item1));
            }
        });

        return alerts;
    }

    public static async Task<List<Alert>> WaitForAsync(string connectionString, string tenant, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var alerts = await ReadAsync(connectionString, tenant);
            if (alerts.Count >= count)
            {
                return alerts;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{alerts.Count} alerts for {tenant} within {timeout}, expected {count}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }
}
