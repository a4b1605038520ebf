using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// <c>/admin/v1/tenants</c>: create and change tenants, issue and revoke their API keys. Every call
/// needs <c>Authorization: Bearer {Pipeline:AdminApiKey}</c>; with no admin key configured the API is off.
/// </summary>
public static class TenantAdminEndpoints
{
    public static IEndpointRouteBuilder MapTenantAdmin(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/admin/v1/tenants")
            .AddEndpointFilter(AdminApi.RequireAdminKey)
            .AddEndpointFilter(ProcessorAvailability.RequireProcessor);
        group.MapGet("/{tenantId}", GetAsync);
        group.MapPut("/{tenantId}", PutAsync);
        group.MapPost("/{tenantId}/keys", IssueKeyAsync);
        group.MapDelete("/{tenantId}/keys/{keyId}", RevokeKeyAsync);
        return endpoints;
    }

    private static async Task<IResult> GetAsync(string tenantId, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        var profile = await grains.GetGrain<ITenantGrain>(tenantId).GetProfileAsync();
        return profile.Exists ? Results.Ok(profile) : ApiProblem.Result(StatusCodes.Status404NotFound, "tenant_not_found", $"Tenant '{tenantId}' does not exist.");
    }

    private static async Task<IResult> PutAsync(string tenantId, HttpRequest http, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        var (request, unreadable) = await AdminJsonBody.ReadAsync<TenantSettingsRequest>(http, optional: false, cancellationToken);
        if (unreadable is not null)
        {
            return unreadable;
        }

        // Checked here, before the grain stores anything: a setting that fails is never kept.
        var settings = request!.ToSettings();
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            return ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_settings", string.Join(" ", problems));
        }

        return Results.Ok(await grains.GetGrain<ITenantGrain>(tenantId).ConfigureAsync(settings));
    }

    private static async Task<IResult> IssueKeyAsync(string tenantId, HttpRequest http, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        var (request, unreadable) = await AdminJsonBody.ReadAsync<IssueKeyRequest>(http, optional: true, cancellationToken);
        if (unreadable is not null)
        {
            return unreadable;
        }

        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        if (!(await tenant.GetProfileAsync()).Exists)
        {
            return ApiProblem.Result(StatusCodes.Status404NotFound, "tenant_not_found", $"Tenant '{tenantId}' does not exist: PUT its settings first.");
        }

        var key = await tenant.IssueApiKeyAsync(request?.Name ?? "default");
        return Results.Created($"/admin/v1/tenants/{tenantId}/keys/{key.KeyId}", new { keyId = key.KeyId, apiKey = key.Secret });
    }

    private static async Task<IResult> RevokeKeyAsync(string tenantId, string keyId, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        return await grains.GetGrain<ITenantGrain>(tenantId).RevokeApiKeyAsync(keyId)
            ? Results.NoContent()
            : ApiProblem.Result(StatusCodes.Status404NotFound, "key_not_found", $"Tenant '{tenantId}' has no key '{keyId}'.");
    }
}

/// <summary>Body of <c>PUT /admin/v1/tenants/{id}</c>; omitted fields take the defaults.</summary>
public sealed record TenantSettingsRequest(
    string DisplayName,
    bool Enabled = true,
    TenantLimits? Limits = null,
    int? ShardCount = null,
    TimeSpan? IdempotencyWindow = null,
    Events.ProcessingSettings? Processing = null)
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

/// <summary>Body of <c>POST /admin/v1/tenants/{id}/keys</c>.</summary>
public sealed record IssueKeyRequest(string? Name);
