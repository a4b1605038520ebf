using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Tests.Support;
using static Orleans.EventPipeline.Tests.Observability.MetricsPipelineFixture;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>The Grafana dashboard under infra/grafana queries only metrics a real silo's scrape shows, each described in docs/OPERATIONS.md.</summary>
[Collection(MetricsPipelineGroup.Name)]
public sealed partial class DashboardTests(MetricsPipelineFixture pipeline)
{
    private static readonly string RepositoryRoot = typeof(DashboardTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(static attribute => attribute.Key == "RepositoryRoot").Value!;

    [Fact]
    public async Task Dashboard_EveryQueriedMetric_IsInTheScrapeAndDocumented()
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot, "infra", "grafana", "pipeline-dashboard.json")));
        var operations = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot, "docs", "OPERATIONS.md"));
        var queried = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(static panel => panel.GetProperty("targets").EnumerateArray())
            .SelectMany(static target => MetricName().Matches(target.GetProperty("expr").GetString()!).Select(static match => match.Value))
            .ToHashSet(StringComparer.Ordinal);
        // The processing metrics appear once the traffic's archive objects are written.
        PrometheusScrape scrape = null!;
        await Poll.UntilAsync(
            () =>
            {
                scrape = pipeline.ScrapeAsync().GetAwaiter().GetResult();
                return scrape.Sum("eventpipeline_events_archived_total", ("tenant", TenantB)) >= BAccepted;
            },
            TimeSpan.FromSeconds(60),
            () => "tenant B's events were never archived");
        var scraped = scrape.Samples.Select(static sample => sample.Name).ToHashSet(StringComparer.Ordinal);

        Assert.True(queried.Count >= 10, $"the dashboard queries {queried.Count} metrics");
        Assert.All(queried, name => Assert.True(scraped.Contains(name), $"the dashboard queries {name}, which the scrape does not show"));
        Assert.All(queried, name => Assert.True(operations.Contains(Family(name), StringComparison.Ordinal), $"docs/OPERATIONS.md does not describe {Family(name)}"));
    }

    /// <summary>The family a sample belongs to: a histogram's buckets, sum and count are described under the histogram's name.</summary>
    private static string Family(string sample) => HistogramPart().Replace(sample, "");

    [GeneratedRegex(@"\b(?:eventpipeline|eventhubs_emulator|orleans|http_server|kestrel|aspnetcore)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();

    [GeneratedRegex("_(?:bucket|sum|count)$")]
    private static partial Regex HistogramPart();
}
