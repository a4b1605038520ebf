using System.Text.Json;
using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>The Grafana dashboard under infra/grafana queries only metrics a real silo's scrape shows, each described in docs/OPERATIONS.md.</summary>
[Collection(MetricsPipelineGroup.Name)]
public sealed partial class DashboardTests(MetricsPipelineFixture pipeline)
{
    [Fact]
    public async Task Dashboard_EveryQueriedMetric_IsInTheScrapeAndDocumented()
    {
        using var dashboard = JsonDocument.Parse(await RepositoryFiles.ReadAsync("infra", "grafana", "pipeline-dashboard.json"));
        var operations = await RepositoryFiles.ReadAsync("docs", "OPERATIONS.md");
        var queried = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(static panel => panel.GetProperty("targets").EnumerateArray())
            .SelectMany(static target => MetricName().Matches(target.GetProperty("expr").GetString()!).Select(static match => match.Value))
            .ToHashSet(StringComparer.Ordinal);
        var scrape = await pipeline.ScrapeAfterProcessingAsync();
        var scraped = scrape.Samples.Select(static sample => sample.Name).ToHashSet(StringComparer.Ordinal);

        Assert.True(queried.Count >= 10, $"the dashboard queries {queried.Count} metrics");
        Assert.All(queried, name => Assert.True(scraped.Contains(name), $"the dashboard queries {name}, which the scrape does not show"));
        Assert.All(queried, name => Assert.True(operations.Contains(Family(name), StringComparison.Ordinal), $"docs/OPERATIONS.md does not describe {Family(name)}"));
    }

    /// <summary>The family a sample belongs to: a histogram's buckets, sum and count are described under the histogram's name.</summary>
    internal static string Family(string sample) => HistogramPart().Replace(sample, "");

    /// <summary>The names of the pipeline's, Orleans' and ASP.NET Core's metrics in a PromQL expression.</summary>
    [GeneratedRegex(@"\b(?:eventpipeline|eventhubs_emulator|orleans|http_server|kestrel|aspnetcore)_[a-z0-9_]+\b")]
    internal static partial Regex MetricName();

    [GeneratedRegex("_(?:bucket|sum|count)$")]
    private static partial Regex HistogramPart();
}
