using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>
/// The tenant cap, not the OpenTelemetry SDK's default limit of 2,000 series per metric, bounds a per-tenant
/// metric: a real silo with room for 450 tenants, each with five request outcomes (2,255 series of one metric
/// with <c>_other</c>), exports every one of them and nothing under <c>otel_metric_overflow</c>.
/// </summary>
public sealed class TenantCardinalityTests : IDisposable
{
    private const int Cap = 450;
    private const int OverCap = 5;
    private const int MaxBodyBytes = 2048;
    private readonly TempDirectory _data = new();

    /// <summary>Five ways to be refused before the ingest grain, each its own outcome: cheap, nothing is written.</summary>
    private static readonly (string Outcome, HttpStatusCode Status, Func<PipelineApi, string, Task<HttpResponseMessage>> Send)[] Refusals =
    [
        ("unsupported_media_type", HttpStatusCode.UnsupportedMediaType, static (api, key) => api.PostAsync(key, "a,b"u8.ToArray(), "text/csv")),
        ("bad_idempotency_key", HttpStatusCode.BadRequest, static (api, key) => api.PostAsync(key, "{}"u8.ToArray(), "application/x-ndjson", idempotencyKey: "has space")),
        ("empty_batch", HttpStatusCode.BadRequest, static (api, key) => api.PostAsync(key, "\n"u8.ToArray(), "application/x-ndjson")),
        ("bad_framing", HttpStatusCode.BadRequest, static (api, key) => api.PostAsync(key, "{\"not\":\"an array\"}"u8.ToArray(), "application/json")),
        ("payload_too_large", HttpStatusCode.RequestEntityTooLarge, static (api, key) => api.PostAsync(key, Encoding.UTF8.GetBytes(new string('x', MaxBodyBytes + 1)), "application/x-ndjson")),
    ];

    [Fact]
    public async Task Scrape_MoreTenantOutcomeSeriesThanTheSdkDefault_WithinTheCap_AllExportedNoneOverflow()
    {
        await using var silo = SiloProcess.Start(
            _data.Path, $"--Pipeline:Telemetry:MaxTenantTags={Cap}", "--Pipeline:Gateway:MaxEventBytes=1024", $"--Pipeline:Gateway:MaxBodyBytes={MaxBodyBytes}");
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var api = new PipelineApi(silo.BaseAddress);
        var tracked = Enumerable.Range(0, Cap).Select(static i => $"card-{i:D3}").ToArray();
        var later = Enumerable.Range(Cap, OverCap).Select(static i => $"card-{i:D3}").ToArray();

        // The tracked tenants first, so they take every slot; the later ones find the cap full.
        await RefuseEachWayAsync(api, tracked);
        await RefuseEachWayAsync(api, later);
        var scrape = await PrometheusScrape.FetchAsync(silo.BaseAddress);

        Assert.True((Cap + 1) * Refusals.Length > 2000, "more series than the SDK's default limit");
        Assert.DoesNotContain("otel_metric_overflow", scrape.Text, StringComparison.Ordinal);
        foreach (var (outcome, _, _) in Refusals)
        {
            Assert.All(tracked, tenant => Assert.Equal(1, scrape.Sum("eventpipeline_ingest_requests_total", ("tenant", tenant), ("outcome", outcome))));
            Assert.Equal(OverCap, scrape.Sum("eventpipeline_ingest_requests_total", ("tenant", "_other"), ("outcome", outcome)));
        }

        Assert.Equal((Cap + 1) * Refusals.Length, scrape.Samples.Count(static s => s.Name == "eventpipeline_ingest_requests_total"));
    }

    private static async Task RefuseEachWayAsync(PipelineApi api, string[] tenants) =>
        await Parallel.ForEachAsync(tenants, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (tenant, _) =>
        {
            var key = await api.CreateTenantAsync(tenant);
            foreach (var (outcome, status, send) in Refusals)
            {
                using var response = await send(api, key);
                Assert.True(response.StatusCode == status, $"{outcome} for {tenant}: {response.StatusCode}");
            }
        });

    public void Dispose() => _data.Dispose();
}
