namespace Orleans.EventPipeline.Tenants;

/// <summary>A tenant as stored: its settings plus bookkeeping.</summary>
/// <param name="Version">Increases by one on every successful configure; 0 before the first.</param>
[GenerateSerializer, Immutable]
public sealed record TenantProfile(
    [property: Id(0)] string TenantId,
    [property: Id(1)] bool Exists,
    [property: Id(2)] TenantSettings? Settings,
    [property: Id(3)] long Version,
    [property: Id(4)] DateTimeOffset? CreatedAt,
    [property: Id(5)] DateTimeOffset? UpdatedAt);
