using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// A tenant's normalize and enrich stages, built from one version of its profile. Dispose it when the
/// settings change or the activation ends: the enricher holds the GeoIP file open.
/// </summary>
internal sealed partial class TenantStages : IDisposable
{
    public const string NormalizeStage = "normalize";
    public const string EnrichStage = "enrich";

    /// <summary>The stage of events the archive could not write as JSON (docs/STREAM-FORMAT.md).</summary>
    public const string ArchiveStage = "archive";

    private readonly Enricher? _enricher;
    private readonly ILogger _logger;

    private readonly string? _loadFailure;

    private TenantStages(long version, ProcessingSettings settings, EventNormalizer normalizer, Enricher? enricher, string? loadFailure, ILogger logger)
    {
        _logger = logger;
        Version = version;
        Settings = settings;
        Normalizer = normalizer;
        _enricher = enricher;
        _loadFailure = loadFailure;
    }

    /// <summary>The profile version the stages were built from.</summary>
    public long Version { get; }

    public ProcessingSettings Settings { get; }

    public EventNormalizer Normalizer { get; }

    /// <summary>
    /// Why enrichment does not run whole on this silo: it could not load (a missing table file, say; every parsed event
    /// is archived marked with it in <see cref="Enricher.ErrorAttribute"/>), or its GeoIP database turned out corrupt
    /// during a lookup (the events it meets are marked). The processor builds the stages again once a file changes.
    /// </summary>
    public string? EnrichmentFailure => _loadFailure ?? _enricher?.Failure;

    /// <param name="lookups">The only directory the enrichment's files are read from.</param>
    public static TenantStages Create(TenantProfile profile, LookupDirectory lookups, ILogger logger)
    {
        var settings = profile.Settings?.Processing ?? new ProcessingSettings();
        var normalizer = new EventNormalizer(settings.Normalization);
        ProcessingInstruments.StartUnenriched(profile.TenantId);
        return Enricher.TryCreate(settings.Enrichment, lookups, logger, out var enricher, out var failure)
            ? new TenantStages(profile.Version, settings, normalizer, enricher, null, logger)
            : new TenantStages(profile.Version, settings, normalizer, null, failure, logger);
    }

    /// <summary>
    /// Normalizes and enriches one raw batch; every event ends in exactly one of the outputs. The stages
    /// report bad events as failures, never by throwing; should one throw anyway (a bug), the batch is
    /// processed again event by event and only the events that throw are dead-lettered, so an
    /// acknowledged batch is never failed or skipped whole.
    /// </summary>
    public StageOutput Process(RawEventBatch batch)
    {
        try
        {
            return ProcessBatch(batch);
        }
        catch (Exception exception)
        {
            LogBatchFailed(_logger, exception, batch.TenantId, batch.BatchId, batch.FirstIndex);
            return ProcessEach(batch);
        }
    }

    private StageOutput ProcessBatch(RawEventBatch batch)
    {
        var normalized = Normalizer.Normalize(batch);
        return new StageOutput(Enrich(normalized.Events), normalized.Indexes, normalized.DeadLetters, []);
    }

    /// <summary>
    /// Dead letters, with their raw bytes from <paramref name="batch"/>, for parsed events a later stage failed;
    /// <paramref name="indexes"/> holds the request index of each event the stage was given.
    /// </summary>
    public static IReadOnlyList<DeadLetter> DeadLetters(RawEventBatch batch, IReadOnlyList<int> indexes, IReadOnlyList<EventFailure> failures)
    {
        if (failures.Count == 0)
        {
            return [];
        }

        var frames = new List<ReadOnlyMemory<byte>>(batch.Count);
        foreach (var frame in batch.Events)
        {
            frames.Add(frame);
        }

        return failures.Select(failure =>
        {
            var index = indexes[failure.Position];
            return new DeadLetter(index, failure.Reason, frames[index - batch.FirstIndex].ToArray());
        }).ToArray();
    }

    /// <summary>Enriches parsed events; with enrichment unavailable, each comes back marked with the reason.</summary>
    public IReadOnlyList<NormalizedEvent> Enrich(IReadOnlyList<NormalizedEvent> events) =>
        _enricher is not null ? _enricher.Enrich(events) : Enricher.Unenriched(events, _loadFailure!);

    public void Dispose() => _enricher?.Dispose();

    /// <summary>The safety net: each event alone, an exception costing only the event that threw it.</summary>
    private StageOutput ProcessEach(RawEventBatch batch)
    {
        var events = new List<NormalizedEvent>(batch.Count);
        var indexes = new List<int>(batch.Count);
        var normalizeFailures = new List<DeadLetter>();
        var enrichFailures = new List<DeadLetter>();
        var position = 0;
        foreach (var raw in batch.Events)
        {
            var index = batch.FirstIndex + position;
            var context = new EventContext(batch.TenantId, batch.EventId(position), batch.IngestTime);
            position++;
            NormalizedEvent? normalized;
            string? failure;
            try
            {
                if (!Normalizer.TryNormalize(raw.Span, batch.Kind, context, null, out normalized, out failure))
                {
                    normalizeFailures.Add(new DeadLetter(index, failure, raw.ToArray()));
                    continue;
                }
            }
            catch (Exception exception)
            {
                normalizeFailures.Add(new DeadLetter(index, Unexpected(NormalizeStage, exception), raw.ToArray()));
                continue;
            }

            try
            {
                events.Add(Enrich([normalized])[0]);
                indexes.Add(index);
            }
            catch (Exception exception)
            {
                enrichFailures.Add(new DeadLetter(index, Unexpected(EnrichStage, exception), raw.ToArray()));
            }
        }

        return new StageOutput(events, indexes, normalizeFailures, enrichFailures);
    }

    /// <summary>The dead-letter reason for an exception a stage should not have thrown.</summary>
    public static string Unexpected(string stage, Exception exception) =>
        $"The {stage} stage failed on this event with {exception.GetType().Name}: {exception.Message} No other event was affected; replay the dead letters once the cause is fixed.";

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing threw for batch {BatchId} of tenant {TenantId} (events from {FirstIndex}); processed it again event by event, dead-lettering only the events that throw")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, string tenantId, Guid batchId, int firstIndex);
}

/// <summary>What the normalize and enrich stages made of one raw batch.</summary>
/// <param name="EventIndexes">The request index of each of <paramref name="Events"/>, the number in its event id.</param>
internal sealed record StageOutput(IReadOnlyList<NormalizedEvent> Events, IReadOnlyList<int> EventIndexes, IReadOnlyList<DeadLetter> NormalizeFailures, IReadOnlyList<DeadLetter> EnrichFailures);
