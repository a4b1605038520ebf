using System.Diagnostics;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// Open loop at a fixed rate: send k is due at start + k/rate whatever happened before, and its
/// latency counts from that due time, so a stall cannot hide by slowing the sender (no coordinated
/// omission).
/// </summary>
internal static class Pacer
{
    /// <param name="send">Sends number k, recording from the due timestamp it is given.</param>
    public static Task RunAsync(double sendsPerSecond, int workers, TimeSpan duration, Func<int, int, long, Task> send)
    {
        var total = (int)(sendsPerSecond * duration.TotalSeconds);
        var start = Stopwatch.GetTimestamp();
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            int k;
            while ((k = Interlocked.Increment(ref next)) < total)
            {
                var due = start + (long)(k / sendsPerSecond * Stopwatch.Frequency);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
                }

                await send(worker, k, due);
            }
        })));
    }
}
