namespace Orleans.EventPipeline.Tenants;

/// <summary>What an administrator sets on a tenant.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantSettings(
    [property: Id(0)] string DisplayName,
    [property: Id(1)] bool Enabled);
