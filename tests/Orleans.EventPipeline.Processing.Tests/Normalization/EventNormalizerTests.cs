using System.Text;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Processing.Tests.Support;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Processing.Tests.Normalization;

public sealed class EventNormalizerTests
{
    private static readonly Guid BatchId = Guid.Parse("6f1c1d57-8a71-4c1e-9b65-8f3e1c1d5780");

    [Fact]
    public void Normalize_BatchWithGarbage_ParsesTheRestAndDeadLettersTheBadOneWithRawBytes()
    {
        var normalizer = new EventNormalizer(new NormalizationSettings());
        var batch = RawBatches.Create("tenant-a", BatchId, EventKind.Json, 10, """{"message":"one"}""", "{broken", """{"message":"three"}""");

        var result = normalizer.Normalize(batch);

        Assert.Equal(["one", "three"], result.Events.Select(static e => e.Body));
        Assert.Equal([RawEventBatch.FormatEventId(BatchId, 10), RawEventBatch.FormatEventId(BatchId, 12)], result.Events.Select(static e => e.EventId));
        Assert.Equal([10, 12], result.Indexes);
        var dead = Assert.Single(result.DeadLetters);
        Assert.Equal(11, dead.Index);
        Assert.Equal("{broken", Encoding.UTF8.GetString(dead.Raw.Span));
        Assert.StartsWith("JSON:", dead.Reason, StringComparison.Ordinal);
        Assert.All(result.Events, static e => Assert.Equal("tenant-a", e.TenantId));
    }

    [Fact]
    public void Normalize_SourceOverride_UsesThatSourcesParser()
    {
        var normalizer = new EventNormalizer(new NormalizationSettings
        {
            TextFormat = TextFormat.Auto,
            Sources = new Dictionary<string, SourceSettings> { ["firewall"] = new() { TextFormat = TextFormat.Cef } },
        });
        var batch = RawBatches.Create("tenant-a", BatchId, EventKind.Text, 0, "plain line");

        Assert.Single(normalizer.Normalize(batch).Events);
        Assert.Contains("CEF", Assert.Single(normalizer.Normalize(batch, "firewall").DeadLetters).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_SourceJsonMapping_OverridesTenantMapping()
    {
        var normalizer = new EventNormalizer(new NormalizationSettings
        {
            Sources = new Dictionary<string, SourceSettings> { ["app"] = new() { Json = new JsonFieldMapping { Body = "msg" } } },
        });
        var batch = RawBatches.Create("tenant-a", BatchId, EventKind.Json, 0, """{"msg":"hello","message":"other"}""");

        Assert.Equal("other", Assert.Single(normalizer.Normalize(batch).Events).Body);
        Assert.Equal("hello", Assert.Single(normalizer.Normalize(batch, "app").Events).Body);
    }

    [Fact]
    public void Constructor_InvalidSettings_ThrowsWithFix()
    {
        var settings = new NormalizationSettings { Json = new JsonFieldMapping { Body = " " } };

        var error = Assert.Throws<ArgumentException>(() => new EventNormalizer(settings));

        Assert.Contains("Normalization.Json.Body is blank", error.Message, StringComparison.Ordinal);
    }
}
