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
    public static async Task<LatencyRecorder> RunAsync(string connectionString, byte[][] bodies, int batchEvents, int senders, TimeSpan duration)
    {
        await using var producer = new EventHubProducerClient(connectionString);
        var partitions = await producer.GetPartitionIdsAsync();
        var recorder = new LatencyRecorder();
        var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, senders).Select(sender => Task.Run(async () =>
        {
            for (var n = 0; Stopwatch.GetTimestamp() < stop; n++)
            {
                var body = bodies[(sender + n) % bodies.Length];
                var started = Stopwatch.GetTimestamp();
                var status = 200;
                try
                {
                    await producer.SendAsync([new EventData(body)], new SendEventOptions { PartitionKey = $"tenant-{(sender + n) % partitions.Length}" });
                }
                catch (EventHubsException)
                {
                    status = 503;
                }

                recorder.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, status, batchEvents, body.Length);
            }
        })));
        return recorder;
    }
}
