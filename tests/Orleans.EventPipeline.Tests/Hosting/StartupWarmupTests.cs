using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Silo.Warmup;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Observability;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// A gateway warms itself up before it reports ready (a real silo, with the warm-up on as it ships; the tests' silos
/// start without it otherwise): its own tenant's events go through its own ingest endpoint and every stage after it,
/// and the tenant stays out of the operator's way.
/// </summary>
public sealed partial class StartupWarmupTests
{
    [Fact]
    public async Task FreshSilo_NotReadyWhileItPostsItsOwnTenantsEvents_UntilTheJitIsQuiet_EveryOneArchivedOnceInEachFormat_TenantUnlisted_KeyRevoked()
    {
        using var data = new TempDirectory();
        // A bound the warm-up does not reach here, so it ends on a quiet JIT and every request it sent was answered; large
        // requests (off by default) at 2 a second, to keep what the test then reads back small.
        await using var silo = SiloProcess.Start(data.Path, "--Pipeline:Warmup:Enabled=true", "--Pipeline:Warmup:Longest=00:03:00", "--Pipeline:Warmup:LargeRequestsPerSecond=2");

        // Not ready while it warms up, and says so; then ready, saying what it did.
        var (warming, requests, large, events, seconds, description) = await WarmedUpAsync(silo);
        Assert.True(warming > 0, "/readyz never answered 503 'warming up'");
        Assert.True(large > 0 && requests > large, description);
        // Paced, not a burst: at most one large request every half second of the warm-up, and the first at its start.
        Assert.True(large <= (seconds * 2) + 1, description);
        Assert.Equal(((requests - large) * StartupWarmup.EventsPerRequest) + (large * StartupWarmup.LargeRequestEvents), events);

        // Through the real ingest path: the gateway counted them as the tenant's.
        var scrape = await PrometheusScrape.FetchAsync(silo.BaseAddress);
        Assert.Equal(events, scrape.Sum("eventpipeline_ingest_events_total", ("tenant", TenantId.Warmup)));

        // Carried like any tenant's (not quarantined for its id, not dead-lettered): every event archived under its id,
        // once, parsed in each format the bodies are written in.
        var objects = await ArchiveFiles.WaitForAsync(
            Path.Combine(data.Path, "archive"), TenantId.Warmup, archived => archived.Count >= events, TimeSpan.FromSeconds(90), archived => $"{archived.Count} of {events} archived");
        var archived = objects.SelectMany(static o => o.Events).ToList();
        Assert.Equal(events, archived.Count);
        Assert.Equal(archived.Count, archived.Select(static e => e.EventId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(
            [SourceFormat.Json, SourceFormat.Syslog5424, SourceFormat.Syslog3164, SourceFormat.Cef, SourceFormat.Text],
            archived.Select(static e => e.Format).Distinct().Order());

        // Not the operator's: the list holds the tenants created through the API only, and the admin API refuses its
        // id; its key revoked once the silo was ready; its not-ready probes not logged as errors.
        using var api = new PipelineApi(silo.BaseAddress);
        await api.CreateTenantAsync("after-warmup");
        var listing = await AdminCalls.GetAsync(silo.BaseAddress, "/admin/v1/tenants?limit=500");
        Assert.Equal(["after-warmup"], listing.GetProperty("items").EnumerateArray().Select(static t => t.GetProperty("tenantId").GetString()));
        using var direct = await api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{TenantId.Warmup}");
        Assert.Equal(HttpStatusCode.BadRequest, direct.StatusCode);
        await Poll.UntilAsync(() => KeyRevoked().IsMatch(silo.Output), TimeSpan.FromSeconds(30), () => silo.Excerpt(20, TenantId.Warmup));
        Assert.DoesNotContain("Health check warm-up", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GatewayWithSmallLimits_BodiesSizedToThem_NoDeadLetter_ReportCountsWhatWasStored()
    {
        // Limits under the warm-up's own sizes: its JSON lines (109 bytes) and RFC 5424 lines (103) are over
        // MaxEventBytes, which the gateway would refuse one by one into the tenant's dead letters; the large bodies are
        // over MaxBodyBytes as they ship.
        const int maxEventBytes = 100;
        const int maxBodyBytes = 20_000;
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(
            data.Path,
            "--Pipeline:Warmup:Enabled=true",
            "--Pipeline:Warmup:Longest=00:03:00",
            "--Pipeline:Warmup:LargeRequestsPerSecond=4",
            $"--Pipeline:Gateway:MaxEventBytes={maxEventBytes}",
            $"--Pipeline:Gateway:MaxBodyBytes={maxBodyBytes}");

        // Ended on a quiet JIT, not stopped early by a 413 for a body over the limit.
        var (_, requests, large, events, _, description) = await WarmedUpAsync(silo);
        Assert.True(large > 0, description);
        // Text requests only (no JSON line fits), each without the lines over the limit; large requests of as many events
        // of MaxEventBytes as fit in MaxBodyBytes with their line ends.
        var (json, text) = WarmupBodies.Create(StartupWarmup.EventsPerRequest, DateTimeOffset.UtcNow, maxEventBytes, maxBodyBytes);
        Assert.Empty(json);
        // Lines 1-3, 5-7 and 9 of 0-9: every fourth, from the first, is RFC 5424.
        var perSmallRequest = text.Count(static b => b == (byte)'\n');
        Assert.Equal(7, perSmallRequest);
        const int perLargeRequest = maxBodyBytes / (maxEventBytes + 1);
        Assert.Equal(((requests - large) * perSmallRequest) + (large * perLargeRequest), events);

        var objects = await ArchiveFiles.WaitForAsync(
            Path.Combine(data.Path, "archive"), TenantId.Warmup, archived => archived.Count >= events, TimeSpan.FromSeconds(90), archived => $"{archived.Count} of {events} archived");
        var archived = objects.SelectMany(static o => o.Events).ToList();
        Assert.Equal(events, archived.Count);
        var scrape = await PrometheusScrape.FetchAsync(silo.BaseAddress);
        Assert.Equal(events, scrape.Sum("eventpipeline_ingest_events_total", ("tenant", TenantId.Warmup)));
        // None refused for its size: counted by the gateway before it answers (the dead letters' own count comes later).
        Assert.Equal(0, scrape.Sum("eventpipeline_ingest_rejected_total", ("tenant", TenantId.Warmup)));
        Assert.Equal(0, scrape.Sum("eventpipeline_deadletters_total", ("tenant", TenantId.Warmup)));
        // The large requests' events (the JSON ones without a timestamp): each request stored whole.
        var largeBatches = archived.Where(static e => e.Format == SourceFormat.Json && e.Timestamp is null)
            .GroupBy(static e => e.EventId[..e.EventId.IndexOf(':', StringComparison.Ordinal)], StringComparer.Ordinal)
            .ToList();
        Assert.Equal(large, largeBatches.Count);
        Assert.All(largeBatches, static batch => Assert.Equal(perLargeRequest, batch.Count()));
    }

    /// <summary>
    /// Waits for <c>/readyz</c> to answer 200 with the warm-up check healthy and its report of a warm-up that ended on a
    /// quiet JIT; counts the 503 "warming up" answers before it.
    /// </summary>
    private static async Task<(int Warming, long Requests, long Large, long Events, double Seconds, string Description)> WarmedUpAsync(SiloProcess silo)
    {
        // /readyz says what each check found only to the admin key.
        using var http = new HttpClient { BaseAddress = silo.BaseAddress, DefaultRequestHeaders = { Authorization = new("Bearer", SiloProcess.AdminKey) } };
        var warming = 0;
        JsonElement warmup = default;
        await Poll.UntilAsync(
            () =>
            {
                try
                {
                    using var response = http.GetAsync(new Uri("/readyz", UriKind.Relative)).GetAwaiter().GetResult();
                    using var ready = JsonDocument.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
                    warmup = ready.RootElement.GetProperty("checks").GetProperty("warm-up").Clone();
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && warmup.GetProperty("description").GetString() == "warming up")
                    {
                        warming++;
                    }

                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    Assert.False(silo.HasExited, silo.Excerpt(40));
                    return false;
                }
            },
            TimeSpan.FromSeconds(240),
            () => $"/readyz 200; warm-up {warmup}");
        var description = warmup.GetProperty("description").GetString()!;
        Assert.Equal("Healthy", warmup.GetProperty("status").GetString());
        var done = Report().Match(description);
        Assert.True(done.Success, description);
        return (warming, Count("requests"), Count("large"), Count("events"), double.Parse(done.Groups["seconds"].Value, CultureInfo.InvariantCulture), description);

        long Count(string group) => long.Parse(done.Groups[group].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(?<requests>[\d,]+) requests \((?<large>[\d,]+) of them large\), (?<events>[\d,]+) events of tenant _warmup in (?<seconds>[\d.]+) s, [\d,]+ ms of JIT meanwhile; the JIT compiled for \d+ ms in the last [\d.]+ s")]
    private static partial Regex Report();

    [GeneratedRegex(@"Tenant _warmup: key key_[0-9a-f]+ revoked")]
    private static partial Regex KeyRevoked();
}
