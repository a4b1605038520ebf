using System.Diagnostics;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// The baseline: the raw Event Hubs SDK sending the same batches to the same event hub, over the same number
/// of concurrent senders. Each batch is cut into the messages the ingest grain writes for a request of the
/// run's tenants (frames and raw-batch properties, keyed by the tenant; one message up to the grain's
/// <c>MaxMessageBytes</c>, more for a larger request, their sends started together), so the silo reading
/// the hub processes and archives the baseline's events as it does the gateway's: both phases pay the same
/// downstream work. Bodies it could not decode would each be quarantined and logged instead, which cost
/// the silo more than processing them and made the baseline look slower than the SDK is.
/// </summary>
internal static class SdkBaseline
{
    /// <summary>The messages' bodies and tenants, built before the run.</summary>
    /// <param name="maxMessageBytes">The ingest grain's <c>MaxMessageBytes</c>: a body is cut into messages as the grain cuts it.</param>
    public sealed class Batches(byte[][] bodies, int batchEvents, IReadOnlyList<string> tenants, int maxMessageBytes)
    {
        private readonly MessageChunks.FramesPart[][] _parts = [.. bodies.Select(body => MessageChunks.Cut(BatchBodies.Frames(body), maxMessageBytes).ToArray())];

        public int Events => batchEvents;

        /// <summary>The <paramref name="n"/>th request's messages (bodies and tenants in turn) and its tenant, the partition key.</summary>
        public (EventData[] Messages, string Tenant, int BodyBytes) For(int n)
        {
            var tenant = tenants[n % tenants.Count];
            var body = bodies[n % bodies.Length];
            var parts = _parts[n % _parts.Length];
            var batchId = Guid.CreateVersion7();
            var ingestTime = DateTimeOffset.UtcNow;
            var messages = new EventData[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                var batch = new RawEventBatch(tenant, batchId, ingestTime, EventKind.Json, parts[i].FirstIndex, parts[i].Count, parts[i].Frames);
                messages[i] = RawBatchCodec.ToEventData(batch, PipelineStreams.Raw);
            }

            return (messages, tenant, body.Length);
        }
    }

    public static async Task<PhaseResult> RunAsync(string connectionString, Batches batches, int senders, TimeSpan duration)
    {
        await using var producer = new EventHubProducerClient(connectionString);
        return await PhaseResult.MeasureAsync(recorder =>
        {
            var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            return Task.WhenAll(Enumerable.Range(0, senders).Select(sender => Task.Run(async () =>
            {
                for (var n = 0; Stopwatch.GetTimestamp() < stop; n++)
                {
                    await SendAsync(producer, batches, sender + n, Stopwatch.GetTimestamp(), recorder);
                }
            })));
        });
    }

    /// <summary>The same sends at a fixed rate, latency from each send's due time, as the gateway's paced phase.</summary>
    public static async Task<PhaseResult> RunPacedAsync(string connectionString, Batches batches, double eventsPerSecond, int senders, TimeSpan duration)
    {
        await using var producer = new EventHubProducerClient(connectionString);
        return await PhaseResult.MeasureAsync(recorder =>
            Pacer.RunAsync(eventsPerSecond / batches.Events, senders, duration, (sender, k, due) => SendAsync(producer, batches, sender + k, due, recorder)));
    }

    private static async Task SendAsync(EventHubProducerClient producer, Batches batches, int n, long started, PhaseResult recorder)
    {
        var (messages, tenant, bodyBytes) = batches.For(n);
        var options = new SendEventOptions { PartitionKey = tenant };
        var status = 200;
        try
        {
            await Task.WhenAll(messages.Select(message => producer.SendAsync([message], options)));
        }
        catch (EventHubsException)
        {
            status = 503;
        }

        recorder.Record(Stopwatch.GetElapsedTime(started), status, batches.Events, bodyBytes);
    }
}
