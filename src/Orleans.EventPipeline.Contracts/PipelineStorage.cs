namespace Orleans.EventPipeline;

/// <summary>Names of the grain storage providers the pipeline's grains persist to.</summary>
public static class PipelineStorage
{
    /// <summary>Tenant settings, API keys, ingest bookkeeping (idempotency records) and signed-out dashboard sessions.</summary>
    public const string Tenants = "tenants";
}
