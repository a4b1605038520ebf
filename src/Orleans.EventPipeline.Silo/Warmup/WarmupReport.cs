namespace Orleans.EventPipeline.Silo.Warmup;

/// <summary>Where a gateway's warm-up is, for <c>/readyz</c> and the log.</summary>
/// <param name="Finished">False while it waits for the silo to listen or runs: the silo is not ready yet.</param>
/// <param name="Description">What it did, or why it stopped early, in a sentence.</param>
public sealed record WarmupReport(bool Finished, string Description)
{
    public static WarmupReport Waiting { get; } = new(false, "waiting for the silo to listen before warming up");

    public static WarmupReport Off { get; } = new(true, "off (Pipeline:Warmup:Enabled is false)");
}
