using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Enrichment;

/// <summary>Events whose tenant's enrichment could not load on the silo are passed on whole, each marked with the reason.</summary>
public sealed class UnenrichedTests
{
    [Fact]
    public void Unenriched_EveryEvent_KeepsItsFieldsAndCarriesTheReason()
    {
        var first = TestEvents.At(0) with { Attributes = new Dictionary<string, AttributeValue> { ["user"] = "alice" } };
        IReadOnlyList<NormalizedEvent> events = [first, TestEvents.At(1)];

        var marked = Enricher.Unenriched(events, "lookup table 'assets': gone");

        Assert.Equal(2, marked.Count);
        Assert.All(marked, static e => Assert.Equal("lookup table 'assets': gone", e.Attributes[Enricher.ErrorAttribute].Text));
        Assert.Equal("alice", marked[0].Attributes["user"].Text);
        Assert.Equal([first.EventId, events[1].EventId], marked.Select(static e => e.EventId));
        Assert.False(first.Attributes.ContainsKey(Enricher.ErrorAttribute));
    }

    [Fact]
    public void Unenriched_AnEventsOwnFieldOfTheMarksName_IsKeptUnderTheFirstFreeNumber()
    {
        var own = TestEvents.At(0) with
        {
            Attributes = new Dictionary<string, AttributeValue> { [Enricher.ErrorAttribute] = "forged", [Enricher.ErrorAttribute + "#1"] = "taken" },
        };

        var marked = Assert.Single(Enricher.Unenriched([own], "the reason"));

        Assert.Equal("the reason", marked.Attributes[Enricher.ErrorAttribute].Text);
        Assert.Equal("taken", marked.Attributes[Enricher.ErrorAttribute + "#1"].Text);
        Assert.Equal("forged", marked.Attributes[Enricher.ErrorAttribute + "#2"].Text);
        Assert.Equal(3, marked.Attributes.Count);
    }
}
