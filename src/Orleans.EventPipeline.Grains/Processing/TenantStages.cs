using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// A tenant's normalize and enrich stages, built from one version of its profile. Dispose it when the
/// settings change or the activation ends: the enricher holds the GeoIP file open.
/// </summary>
internal sealed class TenantStages : IDisposable
{
    public const string NormalizeStage = "normalize";
    public const string EnrichStage = "enrich";

    private readonly Enricher? _enricher;

    private TenantStages(long version, ProcessingSettings settings, EventNormalizer normalizer, Enricher? enricher, string? enrichmentFailure)
    {
        Version = version;
        Settings = settings;
        Normalizer = normalizer;
        _enricher = enricher;
        EnrichmentFailure = enrichmentFailure;
    }

    /// <summary>The profile version the stages were built from.</summary>
    public long Version { get; }

    public ProcessingSettings Settings { get; }

    public EventNormalizer Normalizer { get; }

    /// <summary>Why enrichment cannot run (a missing table file, say); every parsed event is dead-lettered with it.</summary>
    public string? EnrichmentFailure { get; }

    public static TenantStages Create(TenantProfile profile, ILogger logger)
    {
        var settings = profile.Settings?.Processing ?? new ProcessingSettings();
        var normalizer = new EventNormalizer(settings.Normalization);
        return Enricher.TryCreate(settings.Enrichment, logger, out var enricher, out var failure)
            ? new TenantStages(profile.Version, settings, normalizer, enricher, null)
            : new TenantStages(profile.Version, settings, normalizer, null, failure);
    }

    /// <summary>Normalizes and enriches one raw batch; every event ends in exactly one of the outputs.</summary>
    public StageOutput Process(RawEventBatch batch)
    {
        var normalized = Normalizer.Normalize(batch);
        var enriched = Enrich(normalized.Events);
        if (enriched.Failures.Count == 0)
        {
            return new StageOutput(enriched.Events, normalized.DeadLetters, []);
        }

        var frames = new List<ReadOnlyMemory<byte>>(batch.Count);
        foreach (var frame in batch.Events)
        {
            frames.Add(frame);
        }

        var letters = enriched.Failures.Select(failure =>
        {
            var index = IndexOf(failure.Event.EventId);
            return new DeadLetter(index, failure.Reason, frames[index - batch.FirstIndex].ToArray());
        }).ToArray();
        return new StageOutput(enriched.Events, normalized.DeadLetters, letters);
    }

    /// <summary>Enriches parsed events; with enrichment unavailable, each fails with the reason.</summary>
    public EnrichmentResult Enrich(IReadOnlyList<NormalizedEvent> events) =>
        _enricher is not null
            ? _enricher.Enrich(events)
            : new EnrichmentResult([], events.Select(e => new EnrichmentFailure(e, EnrichmentFailure!)).ToArray());

    public void Dispose() => _enricher?.Dispose();

    /// <summary>The request index at the end of an event id <c>{batch}:{index}</c>.</summary>
    public static int IndexOf(string eventId) =>
        int.Parse(eventId.AsSpan(eventId.LastIndexOf(':') + 1), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>What the normalize and enrich stages made of one raw batch.</summary>
internal sealed record StageOutput(IReadOnlyList<NormalizedEvent> Events, IReadOnlyList<DeadLetter> NormalizeFailures, IReadOnlyList<DeadLetter> EnrichFailures);
