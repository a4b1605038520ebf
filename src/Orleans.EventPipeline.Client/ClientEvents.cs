using System.Net;

namespace Orleans.EventPipeline.Client;

/// <summary>One event the gateway refused in a 200 answer, and why (it is kept in the tenant's dead letters).</summary>
/// <param name="Index">Its place in the batch, from 0.</param>
/// <param name="Reason">The gateway's reason.</param>
/// <param name="Event">Its bytes as sent.</param>
public sealed record RejectedEvent(int Index, string Reason, ReadOnlyMemory<byte> Event);

/// <summary>A batch was acknowledged with some of its events rejected.</summary>
public sealed class EventsRejectedEventArgs(string idempotencyKey, IReadOnlyList<RejectedEvent> rejected) : EventArgs
{
    public string IdempotencyKey { get; } = idempotencyKey;

    public IReadOnlyList<RejectedEvent> Rejected { get; } = rejected;
}

/// <summary>
/// The gateway refused a whole batch with a 4xx that a retry cannot change (400, 415, 422, or 413 for a single
/// event over its body limit: a larger batch answered 413 is sent again in halves): it is removed from the spool,
/// and this says which and why, with its events.
/// </summary>
public sealed class BatchFailedEventArgs(string idempotencyKey, int eventCount, HttpStatusCode status, string detail) : EventArgs
{
    public string IdempotencyKey { get; } = idempotencyKey;

    public int EventCount { get; } = eventCount;

    public HttpStatusCode Status { get; } = status;

    /// <summary>The answer's body (<c>application/problem+json</c>), naming the problem.</summary>
    public string Detail { get; } = detail;

    /// <summary>The batch's events as sent, so the caller can keep or resend them (they are no longer spooled).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Events { get; init; } = [];
}

/// <summary>What a client has done since it started: the numbers of its metrics, for a status line.</summary>
/// <param name="SpooledBytes">Bytes of the spooled batches not yet acknowledged.</param>
/// <param name="SendingProblem">
/// The unexpected error (not an answer of the gateway's, nor a network failure: those are <paramref name="Retrying"/>)
/// the sender is waiting out before it tries the batch again; null while sending goes as it should.
/// </param>
public sealed record ClientStatistics(
    long EventsQueued,
    long EventsAcknowledged,
    long EventsRejected,
    long EventsFailed,
    long Retries,
    int BatchesInFlight,
    int SpooledBatches,
    long SpooledBytes,
    bool Retrying,
    string? SendingProblem = null)
{
    /// <summary>
    /// What counts in <see cref="EventPipelineClientOptions.MaxSpoolBytes"/> besides the batch being filled: the spool's
    /// files (segments, acknowledged batches too until their segment goes, <see cref="DamagedBytes"/>; not the head file) and
    /// the 128 KiB kept for the reserve and a split record, used or not.
    /// </summary>
    public long SpoolDiskBytes { get; init; }

    /// <summary>Bytes of the spool's <c>.damaged</c> files: damaged records kept for inspection, their events lost (reported at open). They count in MaxSpoolBytes until removed.</summary>
    public long DamagedBytes { get; init; }

    /// <summary>How many <c>.damaged</c> files the spool holds.</summary>
    public int DamagedFiles { get; init; }

    /// <summary>Bytes of the record of a batch split after a 413 (a <c>.split</c> file), while it is sent: at most 64 KiB, kept in MaxSpoolBytes.</summary>
    public long SplitRecordBytes { get; init; }
}
