using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Processing.Ordering;
using Orleans.EventPipeline.Processing.Tests.Support;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Processing.Tests;

/// <summary>A quick sanity run of all stages in a row, the way the stage grains chain them; no timings.</summary>
public sealed class PipelineSanityTests
{
    [Fact]
    public async Task Stages_MixedBatchesThroughEveryStage_ArchiveEveryGoodEventOnceInOrder()
    {
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider(TestEvents.Ingest);
        var settings = new ProcessingSettings
        {
            Enrichment = new EnrichmentSettings { StaticFields = new Dictionary<string, string> { ["env"] = "test" } },
            Ordering = new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(2) },
        };
        Assert.Empty(settings.Validate());
        var normalizer = new EventNormalizer(settings.Normalization);
        Assert.True(Enricher.TryCreate(settings.Enrichment, TestLookups.None, NullLogger.Instance, out var enricher, out _));
        // The order stage reads its clock after the events' 1,000 seconds, as a silo's does when they arrive.
        var order = new ReorderBuffer(settings.Ordering, new FakeTimeProvider(TestEvents.Ingest.AddHours(1)));
        var store = new LocalDirectoryArchiveStore(directory.Path);
        using var archive = new ArchiveWriter(store, "tenant-a", "tenant-a", new ArchiveFlushPolicy { MaxEvents = 1_000 }, time, NullLogger.Instance);

        var dead = 0;
        long sequence = 0;
        for (var b = 0; b < 20; b++)
        {
            // 500 events a batch, seconds running backwards inside each pair of events, one bad line in 100.
            var lines = Enumerable.Range(0, 500).Select(i =>
            {
                var n = (b * 500) + i;
                var second = (n ^ 1) / 10;
                return n % 100 == 99
                    ? "{not json"
                    : $$"""{"timestamp":"{{TestEvents.Ingest.AddSeconds(second):O}}","level":"info","message":"event {{n}}","n":{{n}}}""";
            }).ToArray();
            var normalized = normalizer.Normalize(RawBatches.Create("tenant-a", Guid.NewGuid(), EventKind.Json, b * 500, lines));
            dead += normalized.DeadLetters.Count;
            var enriched = enricher.Enrich(normalized.Events);
            var released = new ReleasedEvents();
            order.AddRange(enriched, released);
            archive.Add(released.Events, sequence++);
            if (archive.IsFlushDue)
            {
                await archive.FlushAsync(CancellationToken.None);
            }
        }

        var rest = new ReleasedEvents();
        order.Flush(rest);
        archive.Add(rest.Events, sequence);
        await archive.FlushAsync(CancellationToken.None);

        var archived = await ArchiveCatalog.ReadRangeAsync(store, "tenant-a", TestEvents.Ingest.AddHours(-1), TestEvents.Ingest.AddHours(2), CancellationToken.None);
        Assert.Equal(100, dead);
        Assert.Equal(9_900, archived.Count);
        Assert.Equal(9_900, archived.Select(static e => e.EventId).Distinct().Count());
        Assert.Equal(archived.OrderBy(static e => e.EffectiveTime).Select(static e => e.EventId), archived.Select(static e => e.EventId));
        Assert.All(archived, static e => Assert.Equal("test", e.Attributes["env"].Text));
        Assert.DoesNotContain(archived, static e => e.Late);
    }
}
