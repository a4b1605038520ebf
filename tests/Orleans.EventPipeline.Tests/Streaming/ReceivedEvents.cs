using System.Collections.Concurrent;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>What the test subscriber grains received, per test run (the in-process cluster shares this process).</summary>
public static class ReceivedEvents
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Runs = new();

    public static void Add(string run, string item) => Runs.GetOrAdd(run, static _ => new ConcurrentQueue<string>()).Enqueue(item);

    public static IReadOnlyList<string> Of(string run) => Runs.TryGetValue(run, out var items) ? items.ToArray() : [];

    /// <summary>Polls until <paramref name="done"/> holds for what arrived, or fails at the deadline.</summary>
    public static async Task<IReadOnlyList<string>> WaitAsync(string run, Func<IReadOnlyList<string>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var received = Of(run);
            if (done(received))
            {
                return received;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Run {run}: only {received.Count} events arrived within {timeout}.");
            }

            await Task.Delay(50);
        }
    }
}
