using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Observability;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// A gateway warms itself up before it reports ready (a real silo, with the setting it ships with, which the test
/// command turns off for the other tests): its own tenant's events go through its own ingest endpoint and every
/// stage after it, and the tenant stays out of the operator's way.
/// </summary>
public sealed partial class StartupWarmupTests
{
    [Fact]
    public async Task FreshSilo_PostsItsOwnTenantsEventsThroughItsIngestBeforeReady_EveryOneArchivedOnce_TenantUnlisted_KeyRevoked()
    {
        using var data = new TempDirectory();
        await using var silo = await SiloProcess.StartReadyAsync(data.Path, "--Pipeline:Warmup:Enabled=true");
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };

        // Ready only once it warmed up, and it says what it did.
        using var ready = JsonDocument.Parse(await http.GetStringAsync(new Uri("/readyz", UriKind.Relative)));
        var warmup = ready.RootElement.GetProperty("checks").GetProperty("warm-up");
        var description = warmup.GetProperty("description").GetString()!;
        Assert.Equal("Healthy", warmup.GetProperty("status").GetString());
        var done = Report().Match(description);
        Assert.True(done.Success, description);
        var requests = long.Parse(done.Groups["requests"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        var events = long.Parse(done.Groups["events"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.True(requests > 0, description);
        Assert.Equal(requests * 100, events);

        // Through the real ingest path: the gateway counted them as the tenant's.
        var scrape = await PrometheusScrape.FetchAsync(silo.BaseAddress);
        Assert.Equal(events, scrape.Sum("eventpipeline_ingest_events_total", ("tenant", TenantId.Warmup)));

        // Carried like any tenant's (not quarantined for its id, not dead-lettered): every event archived under its id, once.
        var objects = await ArchiveFiles.WaitForAsync(
            Path.Combine(data.Path, "archive"), TenantId.Warmup, archived => archived.Count >= events, TimeSpan.FromSeconds(90), archived => $"{archived.Count} of {events} archived");
        var ids = objects.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList();
        Assert.Equal(events, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());

        // Not the operator's: the list holds the tenants created through the API only, and the admin API refuses its
        // id; its key revoked once the silo was ready.
        using var api = new PipelineApi(silo.BaseAddress);
        await api.CreateTenantAsync("after-warmup");
        var listing = await AdminCalls.GetAsync(silo.BaseAddress, "/admin/v1/tenants?limit=500");
        Assert.Equal(["after-warmup"], listing.GetProperty("items").EnumerateArray().Select(static t => t.GetProperty("tenantId").GetString()));
        using var direct = await api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{TenantId.Warmup}");
        Assert.Equal(HttpStatusCode.BadRequest, direct.StatusCode);
        await Poll.UntilAsync(
            () => silo.Output.Contains($"Tenant {TenantId.Warmup}: key ", StringComparison.Ordinal) && KeyRevoked().IsMatch(silo.Output),
            TimeSpan.FromSeconds(30),
            () => silo.Excerpt(20, TenantId.Warmup));
    }

    [GeneratedRegex(@"^(?<requests>[\d,]+) requests, (?<events>[\d,]+) events of tenant _warmup in [\d.,]+ s, [\d,]+ ms of JIT meanwhile; (the JIT compiled|stopped at Longest)")]
    private static partial Regex Report();

    [GeneratedRegex(@"Tenant _warmup: key key_[0-9a-f]+ revoked")]
    private static partial Regex KeyRevoked();
}
