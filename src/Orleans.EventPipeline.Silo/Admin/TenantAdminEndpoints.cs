using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Silo.Admin.Authentication;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Roles;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// <c>/admin/v1/tenants</c>: list, create, read, change, enable, disable and delete tenants. Every call needs
/// <c>Authorization: Bearer {Pipeline:AdminApiKey}</c> (<see cref="AdminPolicies.Api"/>); with no admin key
/// configured the API is off. Every tenant answer carries its <c>ETag</c>; changes take <c>If-Match</c>.
/// </summary>
public static class TenantAdminEndpoints
{
    public const string Prefix = "/admin/v1/tenants";

    public static IEndpointRouteBuilder MapTenantAdmin(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(Prefix)
            .RequireAuthorization(AdminPolicies.Api)
            .AddEndpointFilter(ProcessorAvailability.RequireProcessor)
            .WithTags("Tenants")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/", ListAsync)
            .WithSummary("Lists tenants in id order, a page at a time.")
            .WithDescription("filter: part of the id or display name (case-insensitive). after: the next field of the previous page. limit: 1 to 500, 50 by default.")
            .Produces<TenantPage>();
        group.MapPost("/", CreateAsync)
            .WithSummary("Creates a tenant; 409 if the id is taken.")
            .Accepts<TenantSettingsRequest>("application/json")
            .Produces<TenantProfile>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{tenantId}", GetAsync)
            .WithSummary("Reads a tenant; the ETag header is its version.")
            .Produces<TenantProfile>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{tenantId}", PutAsync)
            .WithSummary("Creates or replaces a tenant's settings.")
            .WithDescription("If-Match: \"version\" replaces only that version (412 otherwise); If-Match: * only an existing tenant; If-None-Match: * only creates. Without them the settings are replaced whatever is stored (last write wins).")
            .Accepts<TenantSettingsRequest>("application/json")
            .Produces<TenantProfile>()
            .Produces<TenantProfile>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{tenantId}/disable", static (string tenantId, HttpContext http, IGrainFactory grains) => SetEnabledAsync(tenantId, false, http, grains))
            .WithSummary("Disables a tenant: its requests are refused with 403 at once; its data and keys stay.")
            .Produces<TenantProfile>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapPost("/{tenantId}/enable", static (string tenantId, HttpContext http, IGrainFactory grains) => SetEnabledAsync(tenantId, true, http, grains))
            .WithSummary("Enables a disabled tenant.")
            .Produces<TenantProfile>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/{tenantId}", DeleteAsync)
            .WithSummary("Deletes a tenant; data=keep or data=remove is required.")
            .WithDescription("Its requests are refused at once and every key is revoked. data=remove also deletes its archive objects and dead letters; data=keep leaves them in the archive store.")
            .Produces<TenantDeleted>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapTenantKeys();
        return endpoints;
    }

    private static async Task<IResult> ListAsync(string? filter, string? after, int? limit, IGrainFactory grains)
    {
        if (limit is < 1 or > TenantListing.MaxLimit)
        {
            return ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_page", $"limit is {limit}: use 1 to {TenantListing.MaxLimit} (default {TenantListing.DefaultLimit}).");
        }

        if (after is not null && !TenantId.IsValid(after))
        {
            return ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_page", $"after {QuotedValue.Of(after)} is not a tenant id: pass the previous page's next.");
        }

        if (filter?.Length > 200)
        {
            return ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_filter", "filter is longer than 200 characters: no tenant id or display name would match it.");
        }

        return Results.Ok(await TenantListing.ReadAsync(grains, after, filter, limit ?? TenantListing.DefaultLimit));
    }

    private static async Task<IResult> GetAsync(string tenantId, HttpContext http, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        var profile = await tenant.GetProfileAsync();
        if (!profile.Exists)
        {
            return AdminProblems.TenantNotFound(tenantId);
        }

        return await AnswerAsync(http, tenant, profile);
    }

    private static async Task<IResult> CreateAsync(HttpContext http, IGrainFactory grains, LookupDirectory lookups, CancellationToken cancellationToken)
    {
        var (request, problem) = await ReadSettingsAsync(http, lookups, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (request!.TenantId is not { } tenantId)
        {
            return AdminProblems.InvalidSettings(["tenantId is missing: give the new tenant's id, " + TenantId.Rule + "."]);
        }

        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        var change = await grains.GetGrain<ITenantGrain>(tenantId).ConfigureAsync(request.ToSettings(), new TenantCondition(IfAbsent: true));
        if (change.Outcome != TenantChangeOutcome.Done)
        {
            return AdminProblems.For(http, tenantId, change);
        }

        http.Response.Headers.ETag = TenantEtag.Of(change.Profile);
        return Results.Created(TenantUrl(tenantId), change.Profile);
    }

    private static async Task<IResult> PutAsync(string tenantId, HttpContext http, IGrainFactory grains, LookupDirectory lookups, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        var (condition, badHeader) = TenantEtag.Condition(http.Request);
        if (badHeader is not null)
        {
            return badHeader;
        }

        var (request, problem) = await ReadSettingsAsync(http, lookups, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (request!.TenantId is { } bodyId && bodyId != tenantId)
        {
            return AdminProblems.InvalidSettings([$"tenantId is {QuotedValue.Of(bodyId)} but the URL names '{tenantId}': omit it, or make them the same."]);
        }

        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        var change = await tenant.ConfigureAsync(request.ToSettings(), condition!);
        if (change.Outcome != TenantChangeOutcome.Done)
        {
            return AdminProblems.For(http, tenantId, change);
        }

        // A PUT that created the tenant says so as a POST does (201 and where it is); one that replaced settings is a 200.
        return change.Created ? await AnswerAsync(http, tenant, change.Profile, TenantUrl(tenantId)) : await AnswerAsync(http, tenant, change.Profile);
    }

    private static async Task<IResult> SetEnabledAsync(string tenantId, bool enabled, HttpContext http, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        var (condition, badHeader) = TenantEtag.Condition(http.Request);
        if (badHeader is not null)
        {
            return badHeader;
        }

        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        var change = await tenant.SetEnabledAsync(enabled, condition!);
        return change.Outcome == TenantChangeOutcome.Done ? await AnswerAsync(http, tenant, change.Profile) : AdminProblems.For(http, tenantId, change);
    }

    private static async Task<IResult> DeleteAsync(string tenantId, string? data, HttpContext http, IGrainFactory grains, IArchiveStore store, ApiKeyResolver keys, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        // No default: removing data cannot be undone, and keeping it by default leaves data the operator may have meant gone.
        TenantDataChoice? choice = data switch
        {
            "keep" => TenantDataChoice.Keep,
            "remove" => TenantDataChoice.Remove,
            _ => null,
        };
        if (choice is null)
        {
            return ApiProblem.Result(
                StatusCodes.Status400BadRequest,
                "data_choice_required",
                $"data is {(data is null ? "missing" : QuotedValue.Of(data))}: say what happens to the tenant's data with ?data=keep (its archive objects and dead letters stay in the archive store) or ?data=remove (they are deleted). Either way its keys stop working at once.");
        }

        var (condition, badHeader) = TenantEtag.Condition(http.Request);
        if (badHeader is not null)
        {
            return badHeader;
        }

        var (change, deleted) = await keys.RevokingAsync(tenantId, () => TenantDeletion.DeleteAsync(grains, store, tenantId, choice.Value, condition!, cancellationToken));
        return deleted is not null ? Results.Ok(deleted) : AdminProblems.For(http, tenantId, change);
    }

    /// <summary>
    /// The profile with its ETag, each key with when it was last used: that is kept by the key's grain, which the profile
    /// (read by every shard at activation) does not call, so it is asked for here, as the keys' list does.
    /// </summary>
    /// <param name="location">The tenant's URL when the call created it: the answer is then 201 with it as <c>Location</c>.</param>
    private static async Task<IResult> AnswerAsync(HttpContext http, ITenantGrain tenant, TenantProfile profile, string? location = null)
    {
        var keys = await tenant.ListApiKeysAsync();
        http.Response.Headers.ETag = TenantEtag.Of(profile);
        return location is null ? Results.Ok(profile with { ApiKeys = keys }) : Results.Created(location, profile with { ApiKeys = keys });
    }

    private static string TenantUrl(string tenantId) => $"{Prefix}/{tenantId}";

    /// <summary>The body, checked before the grain stores anything: a setting that fails is never kept.</summary>
    private static async Task<(TenantSettingsRequest? Request, IResult? Problem)> ReadSettingsAsync(HttpContext http, LookupDirectory lookups, CancellationToken cancellationToken)
    {
        var (request, unreadable) = await AdminJsonBody.ReadAsync<TenantSettingsRequest>(http.Request, optional: false, TenantSettingsRequest.NullProblem, cancellationToken);
        if (unreadable is not null)
        {
            return (null, unreadable);
        }

        var problems = TenantSettingsCheck.Problems(request!.ToSettings(), lookups);
        return problems.Count > 0 ? (null, AdminProblems.InvalidSettings(problems)) : (request, null);
    }
}
