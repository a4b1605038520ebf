using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// A tenant's processed data under <c>/admin/v1/tenants/{id}</c>: its archive by time range, its dead-letter
/// counts, and the replay of its dead letters. Behind the admin key like the rest of the admin API.
/// </summary>
public static class ProcessingAdminEndpoints
{
    // A day by default; ArchiveCatalog refuses ranges over 31 days (744 hourly listings).
    private static readonly TimeSpan DefaultRange = TimeSpan.FromDays(1);

    public static IEndpointRouteBuilder MapProcessingAdmin(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/admin/v1/tenants/{tenantId}").AddEndpointFilter(RequireAdminKey);
        group.MapGet("/archive", ListArchiveAsync);
        group.MapGet("/deadletters", GetDeadLettersAsync);
        group.MapPost("/deadletters/replay", ReplayDeadLettersAsync);
        return endpoints;
    }

    private static async Task<IResult> ListArchiveAsync(
        string tenantId,
        DateTimeOffset? from,
        DateTimeOffset? to,
        IArchiveStore store,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return BadTenantId(tenantId);
        }

        var end = to ?? time.GetUtcNow();
        var start = from ?? end - DefaultRange;
        if (end - start > TimeSpan.FromDays(31))
        {
            return Results.Problem(statusCode: 400, title: "range_too_long", detail: $"from {start:O} to {end:O} is longer than 31 days: list it in parts.");
        }

        var objects = new List<ArchiveObjectInfo>();
        await foreach (var name in ArchiveCatalog.ListAsync(store, tenantId, start, end, cancellationToken))
        {
            objects.Add(new ArchiveObjectInfo(name.Name, name.Hour, name.StreamKey, name.FirstSequence, name.LastSequence));
        }

        return Results.Ok(new ArchiveListing(tenantId, start, end, objects));
    }

    private static async Task<IResult> GetDeadLettersAsync(string tenantId, int? recent, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return BadTenantId(tenantId);
        }

        // 20 newest unless asked; at most what a tenant keeps.
        return Results.Ok(await grains.GetGrain<IDeadLetterGrain>(tenantId).GetSummaryAsync(Math.Clamp(recent ?? 20, 0, 10_000)));
    }

    private static async Task<IResult> ReplayDeadLettersAsync(string tenantId, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return BadTenantId(tenantId);
        }

        return Results.Ok(await grains.GetGrain<IDeadLetterGrain>(tenantId).ReplayAsync());
    }

    private static IResult BadTenantId(string tenantId) => Results.Problem(
        statusCode: 400,
        title: "invalid_tenant_id",
        detail: $"'{tenantId}' is not a tenant id: use 1 to 63 lower-case letters, digits and '-', starting with a letter or digit.");

    private static async ValueTask<object?> RequireAdminKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var configured = context.HttpContext.RequestServices.GetRequiredService<IOptions<PipelineOptions>>().Value.AdminApiKey;
        if (string.IsNullOrEmpty(configured))
        {
            return Results.Problem(statusCode: 403, title: "admin_disabled", detail: "The admin API is off: set Pipeline:AdminApiKey to enable it.");
        }

        var presented = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers.Authorization.ToString());
        if (!CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes("Bearer " + configured)))
        {
            return Results.Problem(statusCode: 401, title: "unauthorized", detail: "Send 'Authorization: Bearer <Pipeline:AdminApiKey>'.");
        }

        return await next(context);
    }
}

/// <summary>Answer of <c>GET /admin/v1/tenants/{id}/archive</c>.</summary>
public sealed record ArchiveListing(string TenantId, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ArchiveObjectInfo> Objects);

/// <summary>One archive object: its name in the store and the raw-stream positions it covers.</summary>
public sealed record ArchiveObjectInfo(string Name, DateTimeOffset Hour, string StreamKey, long FirstSequence, long LastSequence);
