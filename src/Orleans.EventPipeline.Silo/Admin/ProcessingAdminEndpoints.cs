using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// A tenant's processed data under <c>/admin/v1/tenants/{id}</c>: its archive by time range, its dead-letter
/// counts and newest letters, its past letters, and the replay of its dead letters. Behind the admin key like the rest of the admin API.
/// </summary>
public static class ProcessingAdminEndpoints
{
    // A day by default; a longer range up to ArchiveCatalog.MaxRange is asked for with from and to.
    private static readonly TimeSpan DefaultRange = TimeSpan.FromDays(1);

    // Letters a dead-letters summary lists: 20 unless asked, at most what a tenant can keep.
    private const int DefaultRecent = 20;
    private const int MaxRecent = ProcessingGrainOptionsValidator.MaxRetainedDeadLetters;

    // Past letters a page holds at most, 10,000 (and about 4 MiB, IDeadLetterGrain.ReadPastAsync): tiny letters do not
    // make a page of millions.
    private const int PastPageLetters = 10_000;

    public static IEndpointRouteBuilder MapProcessingAdmin(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/admin/v1/tenants/{tenantId}").RequireAuthorization(Authentication.AdminPolicies.Api);
        group.MapGet("/archive", ListArchiveAsync);
        // The archive listing reads the archive store; the dead letters live in a grain.
        group.MapGet("/deadletters", GetDeadLettersAsync).AddEndpointFilter(ProcessorAvailability.RequireProcessor);
        group.MapPost("/deadletters/replay", ReplayDeadLettersAsync).AddEndpointFilter(ProcessorAvailability.RequireProcessor);
        group.MapGet("/deadletters/past", ReadPastDeadLettersAsync).AddEndpointFilter(ProcessorAvailability.RequireProcessor);
        return endpoints;
    }

    private static async Task<IResult> ListArchiveAsync(
        string tenantId,
        string? from,
        string? to,
        IArchiveStore store,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        // Bound as text and parsed here: a time outside DateTimeOffset's range gets an answer naming the parameter.
        if (!TryParseTime(to, time.GetUtcNow(), out var end))
        {
            return BadTime("to", to!);
        }

        if (!TryParseTime(from, DefaultStart(end), out var start))
        {
            return BadTime("from", from!);
        }

        if (start > end)
        {
            return ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_range", $"from {start:O} is after to {end:O}: give from before to.");
        }

        if (end - start > ArchiveCatalog.MaxRange)
        {
            return ApiProblem.Result(StatusCodes.Status400BadRequest, "range_too_long", $"from {start:O} to {end:O} is longer than {ArchiveCatalog.MaxRange.TotalDays:0} days: list it in parts.");
        }

        var objects = new List<ArchiveObjectInfo>();
        await foreach (var name in ArchiveCatalog.ListAsync(store, tenantId, start, end, cancellationToken))
        {
            objects.Add(new ArchiveObjectInfo(name.Name, name.Hour, name.StreamKey, name.FirstSequence, name.LastSequence));
        }

        return Results.Ok(new ArchiveListing(tenantId, start, end, objects));
    }

    /// <summary>A day before <paramref name="end"/>, stopping at the first instant there is instead of stepping off it.</summary>
    internal static DateTimeOffset DefaultStart(DateTimeOffset end) =>
        end.UtcTicks - DateTimeOffset.MinValue.UtcTicks < DefaultRange.Ticks ? DateTimeOffset.MinValue : end - DefaultRange;

    private static bool TryParseTime(string? value, DateTimeOffset absent, out DateTimeOffset time)
    {
        if (value is null)
        {
            time = absent;
            return true;
        }

        return AdminTime.TryParse(value, out time);
    }

    private static IResult BadTime(string parameter, string value) => ApiProblem.Result(
        StatusCodes.Status400BadRequest,
        "invalid_time",
        $"{parameter} {QuotedValue.Of(value)} is not a time: use {AdminTime.Expected}.");

    private static async Task<IResult> GetDeadLettersAsync(string tenantId, int? recent, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        if (recent is < 0 or > MaxRecent)
        {
            return ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_page", $"recent is {recent}: use 0 to {MaxRecent} (default {DefaultRecent}).");
        }

        return Results.Ok(await grains.GetGrain<IDeadLetterGrain>(tenantId).GetSummaryAsync(recent ?? DefaultRecent));
    }

    /// <summary>
    /// The tenant's past dead letters (past the listing's bounds), from the first past object after <paramref name="after"/>;
    /// the answer's <c>next</c> is the <c>after</c> of the next page.
    /// </summary>
    private static async Task<IResult> ReadPastDeadLettersAsync(string tenantId, long? after, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        if (after is < -1 or long.MaxValue)
        {
            return ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_page", $"after is {after}: use -1 to {long.MaxValue - 1} (a page's next; default -1, from the first).");
        }

        return Results.Ok(await grains.GetGrain<IDeadLetterGrain>(tenantId).ReadPastAsync(after ?? -1, PastPageLetters));
    }

    private static async Task<IResult> ReplayDeadLettersAsync(string tenantId, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return AdminApi.BadTenantId(tenantId);
        }

        // Replayed through the tenant's settings: a deleted tenant has none (its letters stay readable with data=keep).
        if (!(await grains.GetGrain<ITenantGrain>(tenantId).GetProfileAsync()).Exists)
        {
            return AdminProblems.TenantNotFound(tenantId);
        }

        return Results.Ok(await grains.GetGrain<IDeadLetterGrain>(tenantId).ReplayAsync());
    }
}

/// <summary>Answer of <c>GET /admin/v1/tenants/{id}/archive</c>.</summary>
public sealed record ArchiveListing(string TenantId, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ArchiveObjectInfo> Objects);

/// <summary>One archive object: its name in the store and the raw-stream positions it covers.</summary>
public sealed record ArchiveObjectInfo(string Name, DateTimeOffset Hour, string StreamKey, long FirstSequence, long LastSequence);
