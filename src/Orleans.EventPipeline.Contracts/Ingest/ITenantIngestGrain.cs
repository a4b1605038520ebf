using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Ingest;

/// <summary>
/// A tenant's ingest point, one activation cluster-wide per tenant id: enforces the tenant's rate,
/// stamps the batch and produces it to the tenant's raw stream. Returns only after the stream write
/// is durable in Event Hubs: that return is the acknowledgement the gateway passes to the client.
/// </summary>
public interface ITenantIngestGrain : IGrainWithStringKey
{
    Task<IngestResult> IngestAsync(IngestBatch batch);

    /// <summary>Applies settings the tenant grain just stored, without waiting for a reactivation.</summary>
    Task ApplySettingsAsync(TenantSettings settings);
}
