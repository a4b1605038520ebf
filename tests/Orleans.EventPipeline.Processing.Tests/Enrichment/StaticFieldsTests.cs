using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Enrichment;

public sealed class StaticFieldsTests
{
    [Fact]
    public void Enrich_StaticFields_AddedUnlessTheEventHasTheField()
    {
        var settings = new EnrichmentSettings { StaticFields = new Dictionary<string, string> { ["env"] = "prod", ["region"] = "eu" } };
        Assert.True(Enricher.TryCreate(settings, NullLogger.Instance, out var enricher, out _));
        var own = TestEvents.At(1) with { Attributes = new Dictionary<string, AttributeValue> { ["env"] = "staging" } };

        var result = enricher.Enrich([TestEvents.At(0), own]);

        Assert.Equal("prod", result[0].Attributes["env"].Text);
        Assert.Equal("eu", result[0].Attributes["region"].Text);
        Assert.Equal("staging", result[1].Attributes["env"].Text);
    }

    [Fact]
    public void Enrich_NoSettings_ReturnsTheSameEvents()
    {
        Assert.True(Enricher.TryCreate(new EnrichmentSettings(), NullLogger.Instance, out var enricher, out _));
        IReadOnlyList<NormalizedEvent> events = [TestEvents.At(0)];

        Assert.Same(events, enricher.Enrich(events));
    }
}
