namespace Orleans.EventPipeline;

/// <summary>Names of the grain storage providers the pipeline's grains persist to.</summary>
public static class PipelineStorage
{
    /// <summary>Tenant settings, keys and ingest bookkeeping.</summary>
    public const string Tenants = "tenants";
}
