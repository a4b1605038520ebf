using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// <c>/admin/v1/tenants/{id}/keys</c>: list, issue, rotate and revoke a tenant's API keys. A secret is made
/// from 32 bytes of <see cref="System.Security.Cryptography.RandomNumberGenerator"/>, answered once, and
/// stored only as its SHA-256; listings show its first characters.
/// </summary>
internal static class TenantKeyEndpoints
{
    public static void MapTenantKeys(this RouteGroupBuilder tenants)
    {
        tenants.MapGet("/{tenantId}/keys", ListAsync)
            .WithSummary("Lists a tenant's keys: id, name, created, last used, the secret's first characters, revoked.")
            .Produces<KeyList>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        tenants.MapGet("/{tenantId}/keys/{keyId}", GetAsync)
            .WithSummary("Reads one key as the list shows it (never its secret): the Location of an issued key.")
            .Produces<Tenants.ApiKeyInfo>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        tenants.MapPost("/{tenantId}/keys", IssueAsync)
            .WithSummary("Issues a key; its secret (apiKey) is in this answer only.")
            .Accepts<IssueKeyRequest>("application/json")
            .Produces<IssuedKeyAnswer>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound);
        tenants.MapPost("/{tenantId}/keys/{keyId}/rotate", RotateAsync)
            .WithSummary("Issues a new key with the same name; the old key works until it is revoked.")
            .Produces<IssuedKeyAnswer>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound);
        tenants.MapDelete("/{tenantId}/keys/{keyId}", RevokeAsync)
            .WithSummary("Revokes a key: the gateway answers 401 to it (within Pipeline:Gateway:ApiKeyCacheDuration on gateways that cached it).")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ListAsync(string tenantId, IGrainFactory grains)
    {
        if (await FindAsync(tenantId, grains) is (null, var problem))
        {
            return problem!;
        }

        return Results.Ok(new KeyList(tenantId, await grains.GetGrain<ITenantGrain>(tenantId).ListApiKeysAsync()));
    }

    private static async Task<IResult> GetAsync(string tenantId, string keyId, IGrainFactory grains)
    {
        if (await FindAsync(tenantId, grains) is (null, var problem))
        {
            return problem!;
        }

        if (!ApiKeyId.IsWellFormed(keyId))
        {
            return KeyNotFound(tenantId, keyId);
        }

        var keys = await grains.GetGrain<ITenantGrain>(tenantId).ListApiKeysAsync();
        return keys.FirstOrDefault(key => key.KeyId == keyId) is { } found ? Results.Ok(found) : KeyNotFound(tenantId, keyId);
    }

    private static async Task<IResult> IssueAsync(string tenantId, HttpRequest http, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        var (request, unreadable) = await AdminJsonBody.ReadAsync<IssueKeyRequest>(http, optional: true, IssueKeyRequest.NullProblem, cancellationToken);
        if (unreadable is not null)
        {
            return unreadable;
        }

        if (IssueKeyRequest.NameProblem(request?.Name) is { } nameProblem)
        {
            return AdminProblems.InvalidSettings([nameProblem]);
        }

        if (await FindAsync(tenantId, grains) is (null, var problem))
        {
            return problem!;
        }

        // Found above, and deleted since by a delete that finished meanwhile: the same 404.
        return await grains.GetGrain<ITenantGrain>(tenantId).IssueApiKeyAsync(request?.Name ?? "default") is { } key
            ? Issued(http.HttpContext, tenantId, key, null)
            : AdminProblems.TenantNotFound(tenantId);
    }

    private static async Task<IResult> RotateAsync(string tenantId, string keyId, HttpContext http, IGrainFactory grains)
    {
        if (await FindAsync(tenantId, grains) is (null, var problem))
        {
            return problem!;
        }

        if (!ApiKeyId.IsWellFormed(keyId))
        {
            return KeyNotFound(tenantId, keyId, toRotate: true);
        }

        var key = await grains.GetGrain<ITenantGrain>(tenantId).RotateApiKeyAsync(keyId);
        return key is null ? KeyNotFound(tenantId, keyId, toRotate: true) : Issued(http, tenantId, key, keyId);
    }

    private static async Task<IResult> RevokeAsync(string tenantId, string keyId, IGrainFactory grains, ApiKeyResolver keys)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        if (!ApiKeyId.IsWellFormed(keyId))
        {
            return KeyNotFound(tenantId, keyId);
        }

        return await keys.RevokingAsync(tenantId, () => grains.GetGrain<ITenantGrain>(tenantId).RevokeApiKeyAsync(keyId))
            ? Results.NoContent()
            : KeyNotFound(tenantId, keyId);
    }

    /// <summary>
    /// 404 <c>key_not_found</c>. The id is the caller's, of any length (5,000 characters were echoed whole), so it is quoted
    /// bounded; one not of a key id's shape names no key of any tenant, and the answer says what a key id looks like.
    /// A 404 rather than a 400: the id only names a resource, which is not there, as a well-formed unknown id's is not.
    /// </summary>
    private static IResult KeyNotFound(string tenantId, string keyId, bool toRotate = false)
    {
        var detail = toRotate
            ? $"Tenant '{tenantId}' has no active key {QuotedValue.Of(keyId)} to rotate"
            : $"Tenant '{tenantId}' has no key {QuotedValue.Of(keyId)}";
        return ApiProblem.Result(
            StatusCodes.Status404NotFound,
            "key_not_found",
            ApiKeyId.IsWellFormed(keyId) ? detail + "." : $"{detail}: a key id is {ApiKeyId.Rule}.");
    }

    /// <summary>
    /// 201 with the secret: no cache (a browser's or a proxy's) may keep it, and Location is the key's entry,
    /// which answers GET without the secret.
    /// </summary>
    private static IResult Issued(HttpContext http, string tenantId, IssuedApiKey key, string? replaces)
    {
        http.Response.Headers.CacheControl = "no-store";
        return Results.Created($"{TenantAdminEndpoints.Prefix}/{tenantId}/keys/{key.KeyId}", new IssuedKeyAnswer(key.KeyId, key.Secret, key.Name, key.Prefix, replaces));
    }

    private static async Task<(TenantProfile? Profile, IResult? Problem)> FindAsync(string tenantId, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return (null, AdminApi.BadTenantId(tenantId));
        }

        var profile = await grains.GetGrain<ITenantGrain>(tenantId).GetProfileAsync();
        return profile.Exists ? (profile, null) : (null, ApiProblem.Result(StatusCodes.Status404NotFound, "tenant_not_found", $"Tenant '{tenantId}' does not exist: create it first."));
    }
}
