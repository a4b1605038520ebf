using System.Diagnostics;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// The baseline: the raw Event Hubs SDK sending the same request bodies to the same event hub, one
/// message per batch (what the pipeline writes per batch), over the same number of concurrent senders.
/// </summary>
internal static class SdkBaseline
{
    public static async Task<PhaseResult> RunAsync(string connectionString, byte[][] bodies, int batchEvents, int senders, TimeSpan duration)
    {
        await using var producer = new EventHubProducerClient(connectionString);
        var partitions = (await producer.GetPartitionIdsAsync()).Length;
        return await PhaseResult.MeasureAsync(recorder =>
        {
            var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            return Task.WhenAll(Enumerable.Range(0, senders).Select(sender => Task.Run(async () =>
            {
                for (var n = 0; Stopwatch.GetTimestamp() < stop; n++)
                {
                    await SendAsync(producer, partitions, bodies, batchEvents, sender + n, Stopwatch.GetTimestamp(), recorder);
                }
            })));
        });
    }

    /// <summary>The same sends at a fixed rate, latency from each send's due time, as the gateway's paced phase.</summary>
    public static async Task<PhaseResult> RunPacedAsync(string connectionString, byte[][] bodies, int batchEvents, double eventsPerSecond, int senders, TimeSpan duration)
    {
        await using var producer = new EventHubProducerClient(connectionString);
        var partitions = (await producer.GetPartitionIdsAsync()).Length;
        return await PhaseResult.MeasureAsync(recorder =>
            Pacer.RunAsync(eventsPerSecond / batchEvents, senders, duration, (sender, k, due) => SendAsync(producer, partitions, bodies, batchEvents, sender + k, due, recorder)));
    }

    private static async Task SendAsync(EventHubProducerClient producer, int partitions, byte[][] bodies, int batchEvents, int n, long started, PhaseResult recorder)
    {
        var body = bodies[n % bodies.Length];
        var status = 200;
        try
        {
            await producer.SendAsync([new EventData(body)], new SendEventOptions { PartitionKey = $"tenant-{n % partitions}" });
        }
        catch (EventHubsException)
        {
            status = 503;
        }

        recorder.Record(Stopwatch.GetElapsedTime(started), status, batchEvents, body.Length);
    }
}
