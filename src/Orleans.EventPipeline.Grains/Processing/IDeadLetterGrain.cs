namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>A tenant's dead letters: counted from its dead-letter stream and stored, the newest kept for listing and replay.</summary>
public interface IDeadLetterGrain : IGrainWithStringKey
{
    /// <summary>Counts per stage and up to <paramref name="recent"/> of the newest kept letters.</summary>
    Task<DeadLetterSummary> GetSummaryAsync(int recent);

    /// <summary>
    /// Runs the kept <c>normalize</c> and <c>enrich</c> dead letters through the tenant's current settings:
    /// the ones that now pass are archived (once, even if a crash repeats the replay) and published on the
    /// normalized stream, and no longer kept; the others stay, with their new reason.
    /// </summary>
    Task<DeadLetterReplayResult> ReplayAsync();

    /// <summary>
    /// The past letters (past the retention bounds, no longer listed or replayed), object by object from the first after
    /// <paramref name="after"/> (-1: from the first), oldest first, until a page holds <paramref name="maxLetters"/> letters
    /// or about 4 MiB. Past objects never change, so pages are stable; a letter goes past once and never comes back.
    /// </summary>
    Task<DeadLetterPastPage> ReadPastAsync(long after, int maxLetters);

    /// <summary>
    /// Removes the kept letters and the counts, for a tenant deleted with its data (the caller deletes the past objects
    /// with the tenant's dead-letter prefix); returns how many letters were kept and past. The stream positions already
    /// counted stay counted, so a redelivery is not counted again.
    /// </summary>
    Task<int> ForgetAsync();
}

/// <summary>A tenant's dead-letter counts and newest letters.</summary>
/// <param name="Counts">Dead letters received per stage (<c>ingest</c>, <c>normalize</c>, <c>enrich</c>) since the tenant's first.</param>
/// <param name="Retained">Letters kept for replay.</param>
/// <param name="Past">Letters past the retention bounds: in past objects (<see cref="IDeadLetterGrain.ReadPastAsync"/>), no longer listed or replayed.</param>
/// <param name="Replayed">Letters that passed a replay.</param>
[GenerateSerializer, Immutable]
public sealed record DeadLetterSummary(
    [property: Id(0)] string TenantId,
    [property: Id(1)] long Total,
    [property: Id(2)] IReadOnlyDictionary<string, long> Counts,
    [property: Id(3)] int Retained,
    [property: Id(4)] long Past,
    [property: Id(5)] long Replayed,
    [property: Id(6)] IReadOnlyList<RetainedDeadLetter> Recent);

/// <summary>A page of past letters; <paramref name="Next"/> is the <c>after</c> of the next page, null on the last.</summary>
[GenerateSerializer, Immutable]
public sealed record DeadLetterPastPage(
    [property: Id(0)] string TenantId,
    [property: Id(1)] IReadOnlyList<DeadLetterPastObject> Objects,
    [property: Id(2)] long? Next);

/// <summary>One past object: its number and its letters, oldest first.</summary>
[GenerateSerializer, Immutable]
public sealed record DeadLetterPastObject(
    [property: Id(0)] long Number,
    [property: Id(1)] IReadOnlyList<RetainedDeadLetter> Letters);

/// <summary>Outcome of one replay.</summary>
/// <param name="ArchiveObject">The archive object the replayed events were written to; null when none passed.</param>
[GenerateSerializer, Immutable]
public sealed record DeadLetterReplayResult(
    [property: Id(0)] int Replayed,
    [property: Id(1)] int StillFailing,
    [property: Id(2)] int NotReplayable,
    [property: Id(3)] string? ArchiveObject);
