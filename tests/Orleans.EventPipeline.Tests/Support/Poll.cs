namespace Orleans.EventPipeline.Tests.Support;

/// <summary>Waits for a condition with a deadline, looking every 50 ms; never a fixed sleep.</summary>
internal static class Poll
{
    /// <exception cref="TimeoutException">The condition did not hold in time; the message says what was awaited and what was seen.</exception>
    public static async Task UntilAsync(Func<bool> done, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout}: {describe()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
