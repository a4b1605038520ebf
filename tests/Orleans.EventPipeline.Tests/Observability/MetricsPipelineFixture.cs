using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>
/// A real silo process whose tenant tag is capped at two tenants, after known traffic: tenant A posts a batch
/// with one invalid and one oversize line, then a batch its rate refuses; tenant B posts two good batches; a
/// third tenant, over the cap, posts one; then tenant B posts two requests refused before its ingest grain, one of
/// a media type the gateway does not take (415) and one over the body limit (413). Archive objects are cut after
/// 1 s so the processing counters move too.
/// </summary>
public sealed class MetricsPipelineFixture : SiloPipelineFixture
{
    public const string TenantA = "metrics-a";
    public const string TenantB = "metrics-b";
    public const string TenantOverCap = "metrics-c";
    public const int MaxEventBytes = 1024;
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Events of tenant A's first batch: 4 good, 1 not JSON, 1 over <see cref="MaxEventBytes"/>.</summary>
    public const int AAccepted = 4;
    public const int BAccepted = 6;
    public const int OverCapAccepted = 2;

    /// <summary>The answers the traffic got, in order: A's batch, A's refused batch, B's two, the third tenant's, B's 415 and 413.</summary>
    internal List<HttpStatusCode> Answers { get; } = [];

    private protected override Task<SiloProcess> StartSiloAsync(string dataDirectory) =>
        SiloProcess.StartReadyAsync(
            dataDirectory,
            "--Pipeline:Telemetry:MaxTenantTags=2",
            $"--Pipeline:Gateway:MaxEventBytes={MaxEventBytes}",
            $"--Pipeline:Gateway:MaxBodyBytes={MaxBodyBytes}",
            "--Pipeline:Archive:MaxAge=00:00:01",
            "--Pipeline:Archive:FlushCheckInterval=00:00:00.200");

    private protected override async Task AfterStartAsync()
    {
        // One event a second with a burst of one: the first batch passes on the full bucket and leaves it in debt.
        var keyA = await Api.CreateTenantAsync(TenantA, new { displayName = TenantA, limits = new { eventsPerSecond = 1.0, bytesPerSecond = 1_000_000.0, burstSeconds = 1.0 } });
        var keyB = await Api.CreateTenantAsync(TenantB);
        var keyC = await Api.CreateTenantAsync(TenantOverCap);
        var oversize = "{\"pad\":\"" + new string('x', MaxEventBytes) + "\"}";
        await PostAsync(keyA, Lines("{\"n\":1}", "{\"n\":2}", "not json", oversize, "{\"n\":3}", "{\"n\":4}"));
        await PostAsync(keyA, Lines("{\"n\":5}"));
        await PostAsync(keyB, Lines("{\"n\":1}", "{\"n\":2}", "{\"n\":3}"));
        await PostAsync(keyB, Lines("{\"n\":4}", "{\"n\":5}", "{\"n\":6}"));
        await PostAsync(keyC, Lines("{\"n\":1}", "{\"n\":2}"));
        await PostAsync(keyB, Lines("a,b", "1,2"), "text/csv");
        await PostAsync(keyB, Lines(Enumerable.Repeat("{\"n\":0}", (MaxBodyBytes / 8) + 1).ToArray()));
    }

    /// <summary><c>GET /metrics</c> as Prometheus scrapes it.</summary>
    internal Task<PrometheusScrape> ScrapeAsync() => PrometheusScrape.FetchAsync(Silo.BaseAddress);

    /// <summary>
    /// A scrape once the processing metrics are there too: tenant B's events archived (so archive lag and the
    /// archived counter exist) and every accepted batch delivered (stream lag).
    /// </summary>
    internal async Task<PrometheusScrape> ScrapeAfterProcessingAsync()
    {
        PrometheusScrape scrape = null!;
        await Poll.UntilAsync(
            () =>
            {
                scrape = ScrapeAsync().GetAwaiter().GetResult();
                // The archive lag is recorded after the processor's state write, which follows the archived count.
                return scrape.Sum("eventpipeline_events_archived_total", ("tenant", TenantB)) >= BAccepted
                    && scrape.Sum("eventpipeline_archive_lag_seconds_count", ("tenant", TenantB)) >= 1
                    && scrape.Sum("eventpipeline_stream_lag_seconds_count") >= 4;
            },
            TimeSpan.FromSeconds(60),
            () => "tenant B's events were never archived (with their archive lag), or not every batch was delivered");
        return scrape;
    }

    private async Task PostAsync(string key, string body, string contentType = "application/x-ndjson")
    {
        using var response = await Api.PostAsync(key, Encoding.UTF8.GetBytes(body), contentType);
        Answers.Add(response.StatusCode);
    }

    private static string Lines(params string[] lines) => string.Join('\n', lines);
}

/// <summary>The tests that read the scrape of one <see cref="MetricsPipelineFixture"/> silo.</summary>
[CollectionDefinition(Name)]
public sealed class MetricsPipelineGroup : ICollectionFixture<MetricsPipelineFixture>
{
    public const string Name = "metrics silo";
}
