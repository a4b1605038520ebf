using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests;

/// <summary>
/// Processing settings with JSON-null collections: refused by validation (the admin API answers 400 naming the
/// field), and, where stored before that, repaired to empty so the stages can be built from them.
/// </summary>
public sealed class NullSettingsTests
{
    private static readonly ProcessingSettings WithNulls = new()
    {
        Normalization = new NormalizationSettings { Sources = null! },
        Enrichment = new EnrichmentSettings { StaticFields = null!, LookupTables = null! },
    };

    [Fact]
    public void Validate_NullCollections_NamesEachField()
    {
        var problems = WithNulls.Validate();

        Assert.Contains(problems, static p => p.StartsWith("Normalization.Sources is null", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.StartsWith("Enrichment.StaticFields is null", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.StartsWith("Enrichment.LookupTables is null", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutNulls_StoredNullCollections_BuildTheStages()
    {
        var repaired = WithNulls.WithoutNulls();

        Assert.Empty(repaired.Validate());
        var normalizer = new EventNormalizer(repaired.Normalization);
        Assert.NotNull(normalizer.ParserFor(Streams.EventKind.Json, "any-source"));
        Assert.True(Enricher.TryCreate(repaired.Enrichment, TestLookups.None, NullLogger.Instance, out var enricher, out var failure), failure);
        Assert.True(enricher.IsEmpty);
    }

    [Fact]
    public void WithoutNulls_NothingToRepair_IsTheSameInstance()
    {
        var settings = new ProcessingSettings();

        Assert.Same(settings, settings.WithoutNulls());
    }
}
