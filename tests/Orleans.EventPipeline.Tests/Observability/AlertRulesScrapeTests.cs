using System.Text.RegularExpressions;
using Orleans.EventPipeline.Streaming.Caching;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>The alert rules name only metrics a real silo exports: a misspelt name would leave an alert that never fires.</summary>
[Collection(MetricsPipelineGroup.Name)]
public sealed class AlertRulesScrapeTests(MetricsPipelineFixture pipeline)
{
    [Fact]
    public async Task Rules_EveryNamedMetric_IsInTheScrape()
    {
        var rules = await File.ReadAllTextAsync(AlertRulesTests.RulesFile);
        var named = DashboardTests.MetricName().Matches(rules).Select(static match => match.Value).ToHashSet(StringComparer.Ordinal);
        var scrape = await pipeline.ScrapeAfterProcessingAsync();
        var scraped = scrape.Samples.Select(static sample => sample.Name).ToHashSet(StringComparer.Ordinal);

        Assert.True(named.Count >= 10, $"the rules name {named.Count} metrics");
        // Counters of rare events (a hold, a quarantined message, a wake) start at 0 per partition when a receiver opens it,
        // and a derived queue's refusals when its grain activates, so they are here although the fixture's traffic causes
        // none, and increase() sees the first one.
        Assert.Contains(PrometheusCounterName(StreamCacheInstruments.HoldsName), named);
        Assert.Contains(PrometheusCounterName(StreamCacheInstruments.QuarantinedName), named);
        Assert.Contains(PrometheusCounterName(StreamCacheInstruments.WakesName), named);
        Assert.Contains(PrometheusCounterName(StreamCacheInstruments.DerivedRefusedName), named);
        Assert.All(named, name => Assert.True(scraped.Contains(name), $"alerts.yml names {name}, which the scrape does not show"));
    }

    /// <summary>How OpenTelemetry's Prometheus exporter names a counter: dots become underscores, <c>_total</c> is added.</summary>
    private static string PrometheusCounterName(string instrument) => Regex.Replace(instrument, "[^a-zA-Z0-9_]", "_") + "_total";
}
