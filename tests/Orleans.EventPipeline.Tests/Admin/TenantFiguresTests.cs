using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Observability;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// The tenants page's live figures are the pipeline's own instruments: after accepted, rejected and throttled
/// requests, each figure on /ui/ equals the same tenant's series in the /metrics scrape.
/// </summary>
public sealed partial class TenantFiguresTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    private const string Tenant = "figures";

    [Fact]
    public async Task TenantsPage_ShowsWhatTheMetricsCount()
    {
        // 1 event/s with 3 s of burst: the first two requests fit, the third, of 10 events, is refused with 429.
        var key = await pipeline.Api.CreateTenantAsync(Tenant, new { displayName = "Figures", limits = new { eventsPerSecond = 1.0, bytesPerSecond = 1_000_000.0, burstSeconds = 3.0 } });
        using var good = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("{\"a\":1}\nnot json\n"), "application/x-ndjson");
        using var second = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("{\"a\":2}\n"), "application/x-ndjson");
        using var throttled = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":3}\n", 10))), "application/x-ndjson");
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress);

        var row = await RowAsync(ui);
        var scrape = await ScrapeAsync();

        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(2, row["events"]);
        Assert.Equal(2, scrape.Sum("eventpipeline_ingest_events_total", ("tenant", Tenant)));
        Assert.Equal(scrape.Sum("eventpipeline_ingest_bytes_total", ("tenant", Tenant)), row["bytes"]);
        // One invalid line, and the 10 events of the throttled request.
        Assert.Equal(11, row["rejected"]);
        Assert.Equal(scrape.Sum("eventpipeline_ingest_rejected_total", ("tenant", Tenant)), row["rejected"]);
        Assert.Equal(1, row["throttled"]);
        Assert.Equal(scrape.Sum("eventpipeline_ingest_throttled_total", ("tenant", Tenant)), row["throttled"]);
    }

    private static async Task<Dictionary<string, double>> RowAsync(UiSession ui)
    {
        var page = await ui.Http.GetStringAsync("/ui/");
        var row = Row().Match(page);
        Assert.True(row.Success, $"the tenants page has no row for {Tenant}");
        return Cell().Matches(row.Value).ToDictionary(
            static match => match.Groups["name"].Value,
            static match => double.Parse(match.Groups["value"].Value, NumberStyles.Number, CultureInfo.InvariantCulture));
    }

    private async Task<PrometheusScrape> ScrapeAsync()
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };
        return new PrometheusScrape(await http.GetStringAsync("/metrics"));
    }

    [GeneratedRegex("<tr data-tenant=\"figures\">.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex Row();

    [GeneratedRegex("<td class=\"num (?<name>[a-z]+)\">(?<value>[0-9,.]+)</td>")]
    private static partial Regex Cell();
}
