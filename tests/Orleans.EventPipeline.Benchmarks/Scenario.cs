namespace Orleans.EventPipeline.Benchmarks;

/// <summary>One load shape: events of <paramref name="EventBytes"/> sent in batches of <paramref name="BatchSize"/> by <paramref name="Producers"/> concurrent producers.</summary>
internal sealed record Scenario(int BatchSize, int Producers, int EventBytes, TimeSpan Duration)
{
    public long BatchBytes => (long)BatchSize * EventBytes;
}

internal sealed record ScenarioResult(string Kind, Scenario Scenario, long Batches, TimeSpan Elapsed, double P50Milliseconds, double P99Milliseconds, TimeSpan ProcessorTime, TimeSpan GcPause)
{
    /// <summary>Average cores busy in this process during the timed part (client and server share it).</summary>
    public double CoresBusy => ProcessorTime / Elapsed;

    /// <summary>Share of the timed part the process spent paused for garbage collection.</summary>
    public double GcPauseShare => GcPause / Elapsed;

    public double EventsPerSecond => Batches * Scenario.BatchSize / Elapsed.TotalSeconds;

    public double MegabytesPerSecond => Batches * Scenario.BatchBytes / Elapsed.TotalSeconds / (1024 * 1024);
}
