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
        Assert.True(Enricher.TryCreate(settings, TestLookups.None, NullLogger.Instance, out var enricher, out _));
        var own = TestEvents.At(1) with { Attributes = new Dictionary<string, AttributeValue> { ["env"] = "staging" } };

        var result = enricher.Enrich([TestEvents.At(0), own]);

        Assert.Equal("prod", result[0].Attributes["env"].Text);
        Assert.Equal("eu", result[0].Attributes["region"].Text);
        Assert.Equal("staging", result[1].Attributes["env"].Text);
    }

    [Fact]
    public void Enrich_NoSettings_ReturnsTheSameEvents()
    {
        Assert.True(Enricher.TryCreate(new EnrichmentSettings(), TestLookups.None, NullLogger.Instance, out var enricher, out _));
        IReadOnlyList<NormalizedEvent> events = [TestEvents.At(0)];

        Assert.Same(events, enricher.Enrich(events));
    }

    /// <summary>
    /// Static fields are added to every event: 150,000 of them (17 MB) were accepted, and a 16-byte event then archived
    /// as 15 MB (helper-115). Their names and values are now bounded in all; at the bound they are still taken.
    /// </summary>
    [Fact]
    public void Validate_StaticFieldsOverTheirBound_RefusedNamingIt_AtTheBoundTaken()
    {
        var name = new string('n', 36);
        var atBound = new Dictionary<string, string> { [name] = new string('v', EnrichmentSettings.MaxStaticFieldCharacters - name.Length) };
        var over = new Dictionary<string, string>(atBound) { ["x"] = "" };

        Assert.Empty(new EnrichmentSettings { StaticFields = atBound }.Validate());
        var error = Assert.Single(new EnrichmentSettings { StaticFields = over }.Validate());
        Assert.Equal($"Enrichment.StaticFields holds {EnrichmentSettings.MaxStaticFieldCharacters + 1} characters of names and values: at most {EnrichmentSettings.MaxStaticFieldCharacters}, as each is added to every event; put reference data in a lookup table.", error);
    }
}
