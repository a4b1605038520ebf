using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>
/// A real silo process whose tenant tag is capped at two tenants, after known traffic: tenant A posts a batch
/// with one invalid and one oversize line, then a batch its rate refuses; tenant B posts two good batches; a
/// third tenant, over the cap, posts one. Archive objects are cut after 1 s so the processing counters move too.
/// </summary>
public sealed class MetricsPipelineFixture : IAsyncLifetime, IDisposable
{
    public const string TenantA = "metrics-a";
    public const string TenantB = "metrics-b";
    public const string TenantOverCap = "metrics-c";
    public const int MaxEventBytes = 1024;

    /// <summary>Events of tenant A's first batch: 4 good, 1 not JSON, 1 over <see cref="MaxEventBytes"/>.</summary>
    public const int AAccepted = 4;
    public const int BAccepted = 6;
    public const int OverCapAccepted = 2;

    private readonly TempDirectory _data = new();

    internal SiloProcess Silo { get; private set; } = null!;

    internal PipelineApi Api { get; private set; } = null!;

    /// <summary>The answers the traffic got, in order: A's batch, A's refused batch, B's two, the third tenant's.</summary>
    internal List<HttpStatusCode> Answers { get; } = [];

    public async Task InitializeAsync()
    {
        Silo = SiloProcess.Start(
            _data.Path,
            "--Pipeline:Telemetry:MaxTenantTags=2",
            $"--Pipeline:Gateway:MaxEventBytes={MaxEventBytes}",
            "--Pipeline:Archive:MaxAge=00:00:01",
            "--Pipeline:Archive:FlushCheckInterval=00:00:00.200");
        await Silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        Api = new PipelineApi(Silo.BaseAddress);

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
    }

    /// <summary><c>GET /metrics</c> as Prometheus scrapes it.</summary>
    internal async Task<PrometheusScrape> ScrapeAsync()
    {
        using var http = new HttpClient { BaseAddress = Silo.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.ParseAdd("text/plain; version=0.0.4");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new PrometheusScrape(await response.Content.ReadAsStringAsync());
    }

    private async Task PostAsync(string key, string body)
    {
        using var response = await Api.PostAsync(key, Encoding.UTF8.GetBytes(body), "application/x-ndjson");
        Answers.Add(response.StatusCode);
    }

    private static string Lines(params string[] lines) => string.Join('\n', lines);

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();
}

/// <summary>The tests that read the scrape of one <see cref="MetricsPipelineFixture"/> silo.</summary>
[CollectionDefinition(Name)]
public sealed class MetricsPipelineGroup : ICollectionFixture<MetricsPipelineFixture>
{
    public const string Name = "metrics silo";
}
