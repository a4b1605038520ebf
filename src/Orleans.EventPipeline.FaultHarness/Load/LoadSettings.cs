namespace Orleans.EventPipeline.FaultHarness.Load;

/// <summary>The load the shippers put on the pipeline while the faults run.</summary>
/// <param name="RunId">Prefix of every Idempotency-Key, so two runs never share keys.</param>
/// <param name="BadLineEvery">Every n-th batch carries one line that is not JSON; 0 for none.</param>
public sealed record LoadSettings(string RunId, int Tenants, int LanesPerTenant, int BatchSize, int EventsPerSecond, int BadLineEvery)
{
    /// <summary>The pause between two batches of one lane that gives <see cref="EventsPerSecond"/> over all lanes.</summary>
    public TimeSpan LaneInterval => TimeSpan.FromSeconds((double)Tenants * LanesPerTenant * BatchSize / EventsPerSecond);
}
