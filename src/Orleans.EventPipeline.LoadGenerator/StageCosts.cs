using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// What the processor's own stages cost per event, on one thread and without a silo: parsing the run's
/// events (the default JSON mapping), writing them as archive lines, and compressing the lines in objects
/// of the archive's default size. No network, grain or GC of other work in the numbers: this is the
/// floor the pipeline's per-event CPU stands on, and it moves only when these stages' code does. Bytes are
/// the GC heap's (zstd's native context is not counted), and compression is only as hard as the events:
/// the load's padding compresses about 160:1, typical logs 6-10:1.
/// </summary>
internal static class StageCosts
{
    private const int Rounds = 5;
    private const int EventsPerRound = 200_000;

    public static void Run(LoadOptions options)
    {
        var bodies = BatchBodies.Create(options.BatchEvents, options.EventBytes);
        var batches = bodies.Select(static body => BatchBodies.Frames(body))
            .Select(static frames => new RawEventBatch("load-0", Guid.CreateVersion7(), DateTimeOffset.UtcNow, EventKind.Json, 0,
                EventFrames.TryCount(frames, out var count) ? count : throw new InvalidOperationException("The run's bodies did not frame."), frames))
            .ToArray();
        var normalizer = new EventNormalizer(new NormalizationSettings());
        var objectBytes = (int)new ArchiveFlushPolicy().MaxBytes;
        var lines = new ArrayBufferWriter<byte>(objectBytes + (1 << 20));
        using var writer = ArchiveFormat.CreateWriter(lines);
        Console.WriteLine(Invariant($"{EventsPerRound:N0} events of ~{options.EventBytes} B per round, batches of {options.BatchEvents}, one thread; the first round warms up"));
        Console.WriteLine();
        Console.WriteLine("| round | parse ns/event | parse B/event | archive line ns/event | archive line B/event | compress ns/event | compress B/event | line bytes/event | compressed bytes/event |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (var round = 0; round < Rounds; round++)
        {
            var parse = new Meter();
            var line = new Meter();
            var compress = new Meter();
            long lineBytes = 0, compressedBytes = 0;
            var done = 0;
            for (var b = 0; done < EventsPerRound; b = (b + 1) % batches.Length)
            {
                parse.Start();
                var result = normalizer.Normalize(batches[b]);
                parse.Stop();
                line.Start();
                foreach (var normalized in result.Events)
                {
                    ArchiveFormat.WriteLine(normalized, lines, writer);
                }

                line.Stop();
                done += result.Events.Count;
                if (result.DeadLetters.Count > 0)
                {
                    throw new InvalidOperationException($"The run's events must all parse: {result.DeadLetters[0].Reason}");
                }

                if (lines.WrittenCount >= objectBytes || done >= EventsPerRound)
                {
                    compress.Start();
                    using (var compressed = ArchiveFormat.Compress(lines.WrittenSpan))
                    {
                        compressedBytes += compressed.Length;
                    }

                    compress.Stop();
                    lineBytes += lines.WrittenCount;
                    lines.ResetWrittenCount();
                }
            }

            Console.WriteLine(Invariant(
                $"| {round + 1} | {parse.Nanoseconds(done):N0} | {parse.Bytes(done):N0} | {line.Nanoseconds(done):N0} | {line.Bytes(done):N0} | {compress.Nanoseconds(done):N0} | {compress.Bytes(done):N0} | {lineBytes / done:N0} | {compressedBytes / done:N0} |"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Time and bytes allocated on this thread between each Start and Stop, summed.</summary>
    private sealed class Meter
    {
        private long _startTicks;
        private long _startBytes;
        private long _ticks;
        private long _bytes;

        public void Start()
        {
            _startBytes = GC.GetAllocatedBytesForCurrentThread();
            _startTicks = Stopwatch.GetTimestamp();
        }

        public void Stop()
        {
            _ticks += Stopwatch.GetTimestamp() - _startTicks;
            _bytes += GC.GetAllocatedBytesForCurrentThread() - _startBytes;
        }

        public double Nanoseconds(long events) => _ticks * 1e9 / Stopwatch.Frequency / events;

        public double Bytes(long events) => (double)_bytes / events;
    }
}
