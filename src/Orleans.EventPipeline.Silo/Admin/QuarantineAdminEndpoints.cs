using Orleans.EventPipeline.Grains.Quarantine;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// The hub's quarantine under <c>/admin/v1/quarantine</c>: messages on the event hub the pipeline could not
/// decode (another client's, or corrupt), kept whole with their position. Behind the admin key.
/// </summary>
public static class QuarantineAdminEndpoints
{
    // Each listed message is one object read from the store, body included: a page is bounded.
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapQuarantineAdmin(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/admin/v1/quarantine").RequireAuthorization(Authentication.AdminPolicies.Api);
        group.MapGet("/", ListAsync);
        // No :long constraint: text there is a 400 naming the parameter, where a constraint made it a 404 for a path that exists.
        group.MapGet("/{partition}/{sequenceNumber}", DownloadAsync);
        return endpoints;
    }

    private static async Task<IResult> ListAsync(int? skip, int? limit, IArchiveStore store, CancellationToken cancellationToken)
    {
        if (skip < 0 || limit is < 1 or > MaxLimit)
        {
            return ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_page", $"skip must be 0 or more and limit from 1 to {MaxLimit} (default {DefaultLimit}).");
        }

        var names = await QuarantineStore.ListNamesAsync(store, cancellationToken);
        var messages = new List<QuarantinedMessage>();
        await foreach (var message in QuarantineStore.ReadAsync(store, names, skip ?? 0, limit ?? DefaultLimit, cancellationToken))
        {
            messages.Add(message);
        }

        return Results.Ok(new QuarantineListing(names.Count, skip ?? 0, messages));
    }

    private static async Task<IResult> DownloadAsync(string partition, long sequenceNumber, IArchiveStore store, CancellationToken cancellationToken)
    {
        if (!IsPartitionId(partition))
        {
            // Answered before the store is asked: a 6,000-character partition made a name the local store's file system
            // refused (a 500), and one quoted whole came back at that length.
            return ApiProblem.Result(StatusCodes.Status404NotFound, "not_quarantined", $"{QuotedValue.Of(partition)} is not a partition of the hub: its partitions are numbered from 0.");
        }

        var message = await QuarantineStore.ReadAsync(store, QuarantineStore.NameOf(partition, sequenceNumber), cancellationToken);
        return message is null
            ? ApiProblem.Result(StatusCodes.Status404NotFound, "not_quarantined", $"No message {sequenceNumber} of partition '{partition}' is in the quarantine.")
            : Results.File(message.Body.ToArray(), "application/octet-stream", $"partition-{partition}-{sequenceNumber}.bin");
    }

    /// <summary>An Event Hubs partition id: the hub numbers them from 0 (at most 2,048 of them), so digits, a few of them.</summary>
    private static bool IsPartitionId(string partition) => partition.Length is > 0 and <= 10 && partition.All(char.IsAsciiDigit);
}

/// <summary>Answer of <c>GET /admin/v1/quarantine</c>: how many messages are kept, and a page of them by partition and sequence number.</summary>
public sealed record QuarantineListing(int Total, int Skip, IReadOnlyList<QuarantinedMessage> Messages);
