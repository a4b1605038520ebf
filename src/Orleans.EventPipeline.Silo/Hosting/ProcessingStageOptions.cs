namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Settings of the processing grains, under <c>Pipeline:Processing</c>.</summary>
public sealed class ProcessingStageOptions
{
    /// <summary>
    /// Whether this silo runs stream receivers, and with them the processing stages (normalize, enrich,
    /// archive, dead-letter counting) on the tenant streams. A silo with false is handed no partitions;
    /// false on every silo makes an ingest-only cluster, for when consumers outside Orleans read Event Hubs.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often processing grains look for changed tenant settings, 10 s.</summary>
    public TimeSpan SettingsRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Dead letters kept per tenant for listing and replay, 500; older ones are counted, not kept.</summary>
    public int RetainedDeadLetters { get; set; } = 500;

    /// <summary>Raw bytes kept per tenant across its dead letters, 1 MiB.</summary>
    public int RetainedDeadLetterBytes { get; set; } = 1024 * 1024;

    /// <summary>Every wrong setting, each with the fix.</summary>
    public IEnumerable<string> Validate()
    {
        if (SettingsRefreshInterval < TimeSpan.FromMilliseconds(100) || SettingsRefreshInterval > TimeSpan.FromMinutes(10))
        {
            yield return $"Pipeline:Processing:SettingsRefreshInterval {SettingsRefreshInterval} is out of range: use 00:00:00.1 to 00:10:00 (default 00:00:10).";
        }

        if (RetainedDeadLetters is < 0 or > 10_000)
        {
            yield return $"Pipeline:Processing:RetainedDeadLetters {RetainedDeadLetters} is out of range: use 0 to 10000 (default 500); each is rewritten with the tenant's state.";
        }

        if (RetainedDeadLetterBytes is < 0 or > 16 * 1024 * 1024)
        {
            yield return $"Pipeline:Processing:RetainedDeadLetterBytes {RetainedDeadLetterBytes} is out of range: use 0 to 16777216 (default 1048576).";
        }
    }
}
