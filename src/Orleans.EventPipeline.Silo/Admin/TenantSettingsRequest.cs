using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// Body of <c>PUT /admin/v1/tenants/{id}</c> and <c>POST /admin/v1/tenants</c> (which also needs
/// <see cref="TenantId"/>); omitted fields take the defaults.
/// </summary>
public sealed record TenantSettingsRequest(
    string DisplayName,
    bool Enabled = true,
    TenantLimits? Limits = null,
    int? ShardCount = null,
    TimeSpan? IdempotencyWindow = null,
    Events.ProcessingSettings? Processing = null,
    string? TenantId = null)
{
    public TenantSettings ToSettings()
    {
        var defaults = new TenantSettings(DisplayName ?? "", Enabled);
        return defaults with
        {
            Limits = Limits ?? defaults.Limits,
            ShardCount = ShardCount ?? defaults.ShardCount,
            IdempotencyWindow = IdempotencyWindow ?? defaults.IdempotencyWindow,
            Processing = Processing ?? defaults.Processing,
        };
    }
}
