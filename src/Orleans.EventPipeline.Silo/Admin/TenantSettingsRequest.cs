using System.Globalization;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// Body of <c>PUT /admin/v1/tenants/{id}</c> and <c>POST /admin/v1/tenants</c> (which also needs
/// <see cref="TenantId"/>). A PUT replaces the whole settings, so an omitted field takes its default, not
/// the stored value; a field sent as JSON <c>null</c> is refused (<see cref="NullProblem"/>).
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
    // What omitting each member means: a null is refused with it, since `"limits": null` read as "omitted"
    // put a throttled tenant back to the default limits, and a null is more often a templating slip than a wish.
    private static readonly Dictionary<string, string> Omitted = new(StringComparer.OrdinalIgnoreCase)
    {
        ["displayName"] = "give the tenant a name people recognise",
        ["enabled"] = "omit it for true, or send true or false",
        ["limits"] = string.Create(CultureInfo.InvariantCulture, $"omit it for the default limits ({TenantLimits.Default.EventsPerSecond} events/s, {TenantLimits.Default.BytesPerSecond} bytes/s, {TenantLimits.Default.BurstSeconds} s of burst), or give all three"),
        ["shardCount"] = "omit it for 1, or give 1 to 64",
        ["idempotencyWindow"] = string.Create(CultureInfo.InvariantCulture, $"omit it for {TenantSettings.DefaultIdempotencyWindow:c}, or give a duration"),
        ["processing"] = "omit it for the defaults (parse and enrich nothing), or give the processing settings",
        ["tenantId"] = "omit it on PUT, or give the tenant's id",
    };

    /// <summary>The 400 message for <paramref name="member"/> sent as JSON null; null for a member this body does not have.</summary>
    public static string? NullProblem(string member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return Omitted.TryGetValue(member, out var omitted) ? $"{Omitted.Keys.First(k => k.Equals(member, StringComparison.OrdinalIgnoreCase))} is null: {omitted}." : null;
    }

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
