using System.Diagnostics;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Measurement;

namespace Orleans.EventPipeline.Benchmarks;

/// <summary>
/// Sends batches through the real SDK (<see cref="EventHubProducerClient"/>, one client and AMQP
/// connection per producer) to an emulator whose partition logs fsync every commit: in-process by
/// default, or an already running one (the standalone host) so client and server do not share a
/// process, a heap and its garbage collections.
/// </summary>
internal static class EmulatorThroughput
{
    private const string Hub = "bench";
    private const int Partitions = 4;

    public static async Task<ScenarioResult> RunAsync(Scenario scenario, string directory, string? externalConnectionString)
    {
        if (externalConnectionString is not null)
        {
            return await SendLoadAsync(scenario, externalConnectionString, "emulator (own process) via SDK");
        }

        string dataDirectory = Path.Combine(directory, Guid.NewGuid().ToString("N"));
        var options = new EmulatorOptions
        {
            Port = 0,
            DataDirectory = dataDirectory,
            Hubs = { [Hub] = new EventHubDefinition { PartitionCount = Partitions } },
            SharedAccessKeys = { ["bench"] = "YmVuY2gta2V5" },
            // 1000 events of 1 KiB plus the SDK's per-event framing exceed the 1 MiB default.
            MaxMessageSizeBytes = 4 << 20,
            SegmentBytes = 256L << 20,
            RetentionBytesPerPartition = 4L << 30,
        };
        await using var server = new EventHubsEmulatorServer(options, NullLoggerFactory.Instance);
        await server.StartAsync();
        try
        {
            return await SendLoadAsync(scenario, server.ConnectionString(Hub), "emulator (in-process) via SDK");
        }
        finally
        {
            await server.StopAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task<ScenarioResult> SendLoadAsync(Scenario scenario, string connectionString, string kind)
    {
        var producers = new EventHubProducerClient[scenario.Producers];
        for (int p = 0; p < producers.Length; p++)
        {
            producers[p] = new EventHubProducerClient(connectionString);
        }

        string[] partitionIds = await producers[0].GetPartitionIdsAsync();
        SendEventOptions SendOptions(int producer) => new() { PartitionId = partitionIds[producer % partitionIds.Length] };

        byte[] body = new byte[scenario.EventBytes];
        Random.Shared.NextBytes(body);
        EventData[] events = [.. Enumerable.Range(0, scenario.BatchSize).Select(_ => new EventData(body))];

        // One untimed send per producer opens its link, so the timed part measures steady state.
        await Task.WhenAll(producers.Select((producer, p) => producer.SendAsync(events, SendOptions(p))));

        var latency = new LatencyRecorder();
        long batches = 0;
        using var stop = new CancellationTokenSource(scenario.Duration);
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        TimeSpan pauseBefore = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(producers.Select((producer, p) => Task.Run(async () =>
        {
            SendEventOptions send = SendOptions(p);
            while (!stop.IsCancellationRequested)
            {
                long start = Stopwatch.GetTimestamp();
                await producer.SendAsync(events, send);
                latency.Record(Stopwatch.GetElapsedTime(start));
                Interlocked.Increment(ref batches);
            }
        })));
        clock.Stop();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        TimeSpan gcPause = GC.GetTotalPauseDuration() - pauseBefore;

        foreach (EventHubProducerClient producer in producers)
        {
            await producer.DisposeAsync();
        }

        (double p50, double p99) = (latency.Milliseconds(50), latency.Milliseconds(99));
        return new ScenarioResult(kind, scenario, batches, clock.Elapsed, p50, p99, cpu, gcPause);
    }
}
