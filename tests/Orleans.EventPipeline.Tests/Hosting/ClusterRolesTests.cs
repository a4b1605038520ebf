using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tests.Observability;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// A cluster of roles as separate processes in azure mode (Azurite for clustering, grain state,
/// checkpoints and the archive; the standalone emulator as Event Hubs): one gateway silo and two
/// processor silos.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed partial class ClusterRolesTests(ITestOutputHelper output) : IDisposable
{
    private const int Partitions = 4;
    private const int EventsPerPost = 20;
    private const int PostersPerTenant = 2;
    private static readonly string[] Tenants = ["role-a", "role-b", "role-c", "role-d"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private const string MovedToReader = "moves to silo S127.0.0.1:";
    private readonly TempDirectory _data = new();
    private readonly List<(string Name, SiloProcess Silo)> _silos = [];

    /// <summary>
    /// One scenario, to start the processes once: the gateway alone refuses with 503; two processors join
    /// and it recovers; then each silo is killed with SIGKILL and restarted while tenants post; last, both
    /// processors stop and the no_processor 503 is counted for the tenant of a key the gateway resolved lately.
    /// </summary>
    [Fact]
    public async Task GatewayAndTwoProcessors_503WithoutProcessor_EachKilledAndRestarted_EveryAcknowledgedEventArchivedOnce_NothingPlacedOnTheGateway()
    {
        var started = DateTimeOffset.UtcNow;
        await using var azurite = await AzuriteNode.StartAsync(Path.Combine(_data.Path, "azurite"));
        await using var eventHubs = await StartEventHubsAsync(Path.Combine(_data.Path, "eventhubs"));
        var gateway = StartSilo("gateway", azurite, eventHubs, "gateway-1");
        SiloProcess? first = null;
        SiloProcess? second = null;
        var api = new PipelineApi(gateway.BaseAddress);
        var posters = new List<KeyedPoster>();
        using var stop = new CancellationTokenSource();
        var running = new List<Task>();
        try
        {
            await gateway.WaitForReadyAsync(StartTimeout);
            await AssertRefusedWithoutProcessorAsync(gateway, api);

            // Processors join: the gateway serves again by itself, and the partitions are split between them.
            first = StartSilo("processor", azurite, eventHubs, "processor-1");
            second = StartSilo("processor", azurite, eventHubs, "processor-2");
            await Task.WhenAll(first.WaitForReadyAsync(StartTimeout), second.WaitForReadyAsync(StartTimeout));
            await AssertProcessorReadyzTakesAnyBearerAsync(first);
            await AssertServedAgainAsync(gateway, api, first);
            await Poll.UntilAsync(() => Share(first) == 2 && Share(second) == 2, StartTimeout, () => $"partitions split 2/2, saw {Share(first)}/{Share(second)}");
            await AssertRateLimitHeldAcrossProcessorsAsync(api);
            foreach (var tenant in Tenants)
            {
                var key = await api.CreateTenantAsync(tenant);
                for (var p = 0; p < PostersPerTenant; p++)
                {
                    var poster = new KeyedPoster(tenant, key, $"p{p}", api, EventsPerPost);
                    posters.Add(poster);
                    running.Add(poster.RunAsync(stop.Token));
                }
            }

            await AcknowledgedMoreAsync(posters, "before the first kill");

            // A processor dies: its partitions move to the survivor once the cluster declares it dead.
            var clock = Stopwatch.StartNew();
            Phase("kill -9 processor-1");
            await first.KillAsync();
            await Poll.UntilAsync(() => Share(second) == Partitions, TimeSpan.FromSeconds(90), () => $"the survivor to read all {Partitions} partitions, it reads {Share(second)}");
            output.WriteLine($"partitions moved to the surviving processor {clock.Elapsed.TotalSeconds:F1} s after kill -9");
            await AcknowledgedMoreAsync(posters, "with one processor");

            // It comes back (a new process, as an orchestrator restarts it): the partitions are shared again.
            await first.DisposeAsync();
            first = StartSilo("processor", azurite, eventHubs, "processor-1b");
            await first.WaitForReadyAsync(StartTimeout);
            Phase("processor-1b ready");
            clock.Restart();
            await Poll.UntilAsync(() => Share(first) == 2 && Share(second) == 2, TimeSpan.FromSeconds(60), () => $"partitions split 2/2 again, saw {Share(first)}/{Share(second)}");
            output.WriteLine($"partitions shared again {clock.Elapsed.TotalSeconds:F1} s after the restarted processor was ready");
            await AcknowledgedMoreAsync(posters, "after the processor restarted");
            // The survivor's processor grains of the partitions it gave back migrate to their new reader.
            Assert.Contains(MovedToReader, second.Output, StringComparison.Ordinal);

            // The gateway dies: clients retry against its replacement.
            await AssertNothingPlacedOnGatewayAsync(gateway);
            Phase("kill -9 gateway-1");
            await gateway.KillAsync();
            await gateway.DisposeAsync();
            gateway = StartSilo("gateway", azurite, eventHubs, "gateway-2");
            await gateway.WaitForReadyAsync(StartTimeout);
            var replacement = new PipelineApi(gateway.BaseAddress);
            posters.ForEach(p => p.Switch(replacement));
            api.Dispose();
            api = replacement;
            await AcknowledgedMoreAsync(posters, "after the gateway restarted");
            await stop.CancelAsync();
            await Task.WhenAll(running);
            Phase("posters stopped");

            var receivers = await AssertNothingPlacedOnGatewayAsync(gateway);
            Assert.Equal([0, 2, 2], receivers.Order());
            var store = await BlobArchiveStore.CreateAsync(new BlobContainerClient(azurite.ConnectionString, "archive"), CancellationToken.None);
            foreach (var tenant in Tenants)
            {
                var expected = posters.Where(p => p.Tenant == tenant).SelectMany(static p => p.AckedEventIds).ToHashSet(StringComparer.Ordinal);
                var archived = new List<string>();
                await Poll.UntilAsync(
                    () =>
                    {
                        archived = ReadArchive(store, tenant, started).GetAwaiter().GetResult();
                        return expected.IsSubsetOf(archived);
                    },
                    TimeSpan.FromSeconds(90),
                    () => $"{tenant}: " + KeyedPoster.DescribeMissing(posters.Where(p => p.Tenant == tenant), archived.ToHashSet(StringComparer.Ordinal)));
                ExactlyOnce.AssertArchived(tenant, expected, archived, output);
            }

            output.WriteLine($"requests answered other than 200 and retried: {posters.Sum(static p => p.Failures)}");
            Assert.True(posters.Sum(static p => p.Failures) > 0, "no request ever failed: the kills did not interrupt the load");

            // Both processors stop: the gateway answers no_processor, and counts it for the tenant of a key it resolved lately.
            var lastKey = await api.CreateTenantAsync("after-processors");
            using (var stored = await PostOneAsync(api, lastKey))
            {
                Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
            }

            await Task.WhenAll(first.TerminateAsync(StartTimeout), second.TerminateAsync(StartTimeout));
            var noProcessor = 0;
            await Poll.UntilAsync(
                () =>
                {
                    using var refused = PostOneAsync(api, lastKey).GetAwaiter().GetResult();
                    noProcessor += ErrorOf(refused) == "no_processor" ? 1 : 0;
                    return noProcessor == 2;
                },
                TimeSpan.FromSeconds(90),
                () => $"the gateway to answer no_processor twice with both processors stopped, it did {noProcessor} times");
            var scrape = await PrometheusScrape.FetchAsync(gateway.BaseAddress);
            Assert.Equal(2, scrape.Sum("eventpipeline_ingest_requests_total", ("tenant", "after-processors"), ("outcome", "no_processor")));
        }
        catch
        {
            WriteSiloExcerpts();
            throw;
        }
        finally
        {
            await stop.CancelAsync();
            api.Dispose();
            await gateway.DisposeAsync();
            if (first is not null)
            {
                await first.DisposeAsync();
            }

            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The dashboard in a split cluster: events ingested through the gateway are dead-lettered and archived on
    /// the processor, and the gateway's <c>/ui</c> tenants page shows the cluster's totals, the processor's dead
    /// letters and archive lag among them (the gateway's own instruments count none of those).
    /// </summary>
    [Fact]
    public async Task GatewayAndProcessor_GatewaysTenantsPage_ShowsTheClustersFigures()
    {
        const string tenant = "ui-cluster";
        const int posts = 3;
        await using var azurite = await AzuriteNode.StartAsync(Path.Combine(_data.Path, "azurite"));
        await using var eventHubs = await StartEventHubsAsync(Path.Combine(_data.Path, "eventhubs"));
        await using var gateway = StartSilo("gateway", azurite, eventHubs, "gateway-1");
        await using var processor = StartSilo("processor", azurite, eventHubs, "processor-1");
        await Task.WhenAll(gateway.WaitForReadyAsync(StartTimeout), processor.WaitForReadyAsync(StartTimeout));
        using var api = new PipelineApi(gateway.BaseAddress);
        await AssertServedAgainAsync(gateway, api, processor);
        // TextFormat 3 = Cef: the line that is not CEF is dead-lettered by the processing grains, on the processor.
        var key = await api.CreateTenantAsync(tenant, new { displayName = tenant, processing = new { normalization = new { textFormat = 3 } } });
        for (var i = 0; i < posts; i++)
        {
            using var posted = await api.PostAsync(key, Encoding.UTF8.GetBytes($"CEF:0|Acme|Fw|1.0|7|Deny|5|src=10.0.0.{i}\nthis is not cef {i}\n"), "text/plain");
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }

        using var ui = await UiSession.SignInAsync(gateway.BaseAddress, SiloProcess.AdminKey);
        var row = "";
        await Poll.UntilAsync(
            () =>
            {
                var page = ui.Http.GetStringAsync("/ui/").GetAwaiter().GetResult();
                row = Regex.Match(page, $"<tr data-tenant=\"{tenant}\">.*?</tr>", RegexOptions.Singleline).Value;
                return Cell(row, "deadletters") == posts.ToString(System.Globalization.CultureInfo.InvariantCulture) && Cell(row, "lag") != "—";
            },
            TimeSpan.FromSeconds(90),
            () => $"the gateway's tenants page to show {posts} dead letters and an archive lag, its row: {row}");

        var gatewayScrape = await PrometheusScrape.FetchAsync(gateway.BaseAddress);
        var ingested = gatewayScrape.Sum("eventpipeline_ingest_events_total", ("tenant", tenant));
        output.WriteLine($"gateway's row: {row}");
        Assert.Equal(2 * posts, ingested);
        Assert.Equal((2 * posts).ToString(System.Globalization.CultureInfo.InvariantCulture), Cell(row, "events"));
        Assert.Equal(gatewayScrape.Sum("eventpipeline_ingest_bytes_total", ("tenant", tenant)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture), Cell(row, "bytes"));
        // Recorded on the processor only: the figures above are the processor's, pushed to the aggregate.
        Assert.Equal(0, gatewayScrape.Sum("eventpipeline_deadletters_total", ("tenant", tenant)));
        Assert.Contains(" s", Cell(row, "lag"), StringComparison.Ordinal);
    }

    /// <summary>The text of a row's <c>td.num</c> cell of that class.</summary>
    private static string Cell(string row, string name) =>
        Regex.Match(row, $"<td class=\"num {name}\">(?<value>[^<]*)</td>").Groups["value"].Value;

    /// <summary>
    /// One tenant spread over two shards, so over both processors, posting flat out through the gateway
    /// with 8 clients that retry a 429 at once:
    /// the events it gets accepted per second are at most 10% over its limit (the shards lease tokens from
    /// one rate grain) and not down to a share of it, and every refusal is a 429 with <c>Retry-After</c>.
    /// </summary>
    private async Task AssertRateLimitHeldAcrossProcessorsAsync(PipelineApi api)
    {
        const string tenant = "role-rate";
        const int limit = 2_000;
        const int eventsPerPost = 50;
        var window = TimeSpan.FromSeconds(8);
        var key = await api.CreateTenantAsync(tenant, new
        {
            displayName = tenant,
            enabled = true,
            shardCount = 2,
            limits = new { eventsPerSecond = limit, bytesPerSecond = 1_000_000_000, burstSeconds = 0.5 },
        });
        var body = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, eventsPerPost).Select(static i => $$"""{"message":"rate {{i}}"}""")));

        // Spend the burst first: the window then measures the sustained rate alone.
        while (true)
        {
            using var response = await api.PostAsync(key, body, "application/x-ndjson");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                break;
            }
        }

        var clock = Stopwatch.StartNew();
        long accepted = 0;
        long refused = 0;
        var unexpected = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < window)
            {
                using var response = await api.PostAsync(key, body, "application/x-ndjson");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    if (clock.Elapsed < window)
                    {
                        Interlocked.Add(ref accepted, eventsPerPost);
                    }
                }
                else if (response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter?.Delta is { } retryAfter && retryAfter > TimeSpan.Zero)
                {
                    // Retried at once, not after Retry-After (whole seconds over HTTP): a client that ignores it
                    // must not get more than the limit either.
                    Interlocked.Increment(ref refused);
                }
                else
                {
                    unexpected.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        })));

        var rate = accepted / window.TotalSeconds;
        output.WriteLine($"rate limit across two processors: accepted {rate:F0} events/s of {limit} over {window.TotalSeconds} s; {refused} refusals");
        Assert.Empty(unexpected);
        Assert.True(refused > 0, "nothing was refused: the clients did not reach the limit");
        // Not over the limit by more than 10%; and not a processor's share of it (half, with two), which the lower
        // bound of 75% tells apart from the clients falling behind: on a loaded two-core machine a client stalled for
        // longer than the 0.5 s burst leaves tokens unused (1,794 of 2,000 a second in a CI run, 10% under).
        Assert.InRange(rate, limit * 0.75, limit * 1.1);
    }

    private static Task<HttpResponseMessage> PostOneAsync(PipelineApi api, string key) =>
        api.PostAsync(key, Encoding.UTF8.GetBytes("{\"n\":1}"), "application/x-ndjson");

    /// <summary>The <c>error</c> of a problem answer, or null for any other answer.</summary>
    private static string? ErrorOf(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return null;
        }

        using var problem = JsonDocument.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        return problem.RootElement.TryGetProperty("error", out var error) ? error.GetString() : null;
    }

    /// <summary>No processor yet: ingest and admin answer 503 + Retry-After (never 200), readiness says why.</summary>
    private static async Task AssertRefusedWithoutProcessorAsync(SiloProcess gateway, PipelineApi api)
    {
        // /readyz says what each check found only to the admin key.
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress, DefaultRequestHeaders = { Authorization = new("Bearer", SiloProcess.AdminKey) } };
        using var ingest = await api.PostAsync("any-key", Encoding.UTF8.GetBytes("{\"n\":1}"), "application/x-ndjson");
        using var admin = await api.PutTenantAsync("waiting", new { displayName = "waiting" });
        var readiness = await http.GetStringAsync(new Uri("/readyz", UriKind.Relative));

        foreach (var refused in new[] { ingest, admin })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(refused.Headers.RetryAfter?.Delta);
            using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("no_processor", problem.RootElement.GetProperty("error").GetString());
        }

        Assert.Contains("no processor silo active", readiness, StringComparison.Ordinal);
        using var checks = JsonDocument.Parse(readiness);
        var warmup = checks.RootElement.GetProperty("checks").GetProperty("warm-up");
        Assert.Equal("Healthy", warmup.GetProperty("status").GetString());
        Assert.Contains("stopped early", warmup.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Once a processor is active the gateway serves again by itself; a processor serves health only.</summary>
    private static async Task AssertServedAgainAsync(SiloProcess gateway, PipelineApi api, SiloProcess processor)
    {
        HttpStatusCode status = default;
        await Poll.UntilAsync(
            () =>
            {
                using var put = api.PutTenantAsync("waiting", new { displayName = "waiting" }).GetAwaiter().GetResult();
                status = put.StatusCode;
                // 201 when this PUT created the tenant, 200 when an earlier one answered late but stored it.
                Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"answered {status}");
                return status is HttpStatusCode.Created or HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(60),
            () => $"the gateway to accept admin calls again, last {status}");
        var key = await api.CreateTenantAsync("waiting");
        using var stored = await api.PostAsync(key, Encoding.UTF8.GetBytes("{\"n\":2}"), "application/x-ndjson");
        // /readyz says what each check found only to the admin key.
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress, DefaultRequestHeaders = { Authorization = new("Bearer", SiloProcess.AdminKey) } };
        using var processorHttp = new HttpClient { BaseAddress = processor.BaseAddress };
        using var ingestOnProcessor = await processorHttp.PostAsync(new Uri("/v1/events", UriKind.Relative), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.DoesNotContain("no processor silo active", await http.GetStringAsync(new Uri("/readyz", UriKind.Relative)), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, ingestOnProcessor.StatusCode);
    }

    public void Dispose() => _data.Dispose();

    private void Phase(string what) => output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {what}");

    /// <summary>For a failure: each silo's warnings, errors and partition moves, killed ones included.</summary>
    private void WriteSiloExcerpts()
    {
        foreach (var (name, silo) in _silos)
        {
            output.WriteLine($"--- {name} ---\n{silo.Excerpt(150, "queues", "moves to silo", "refused raw sequence")}");
        }
    }

    private static int Share(SiloProcess silo) => AzureClusterSilos.Share(silo);

    /// <summary>
    /// Asks the management grain (through the gateway silo's Orleans gateway) which grain types each silo
    /// hosts: none of the pipeline's on the gateway, told apart by its silo name; returns every silo's
    /// number of running Event Hubs receivers.
    /// </summary>
    private async Task<int[]> AssertNothingPlacedOnGatewayAsync(SiloProcess gateway)
    {
        await using var client = await SiloClient.ConnectAsync(gateway);
        var management = client.Client.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: true);
        var gatewaySilo = Assert.Single(hosts, static h => h.SiloName.StartsWith("gateway-", StringComparison.Ordinal)).SiloAddress;
        var processors = hosts.Where(static h => h.SiloName.StartsWith("processor-", StringComparison.Ordinal)).Select(static h => h.SiloAddress).ToArray();
        var onGateway = await management.GetSimpleGrainStatistics([gatewaySilo]);
        var onProcessors = await management.GetSimpleGrainStatistics(processors);
        output.WriteLine($"grain types on the gateway: {string.Join(", ", onGateway.Select(static s => $"{s.GrainType} ×{s.ActivationCount}"))}");

        Assert.DoesNotContain(onGateway, static s => s.GrainType.Contains("EventPipeline", StringComparison.Ordinal));
        // The same question finds them where they are, so an empty answer above is not a blind one.
        Assert.Contains(onProcessors, static s => s.GrainType.Contains("TenantStreamProcessorGrain", StringComparison.Ordinal));
        Assert.Contains(onProcessors, static s => s.GrainType.Contains("TenantIngestGrain", StringComparison.Ordinal));
        var receivers = await management.SendControlCommandToProvider<PersistentStreamProvider>(
            PipelineStreams.ProviderName, (int)PersistentStreamProviderCommand.GetNumberRunningAgents);
        return receivers.Select(static r => (int)r!).ToArray();
    }

    private static async Task AcknowledgedMoreAsync(List<KeyedPoster> posters, string phase)
    {
        var before = posters.Sum(static p => p.AckedBatches);
        await Poll.UntilAsync(() => posters.Sum(static p => p.AckedBatches) >= before + 16, TimeSpan.FromSeconds(120), () => $"16 more batches acknowledged {phase}");
    }

    private static async Task<List<string>> ReadArchive(IArchiveStore store, string tenant, DateTimeOffset started)
    {
        var events = await ArchiveCatalog.ReadRangeAsync(store, tenant, started.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None);
        return events.Select(static e => e.EventId).ToList();
    }

    /// <summary>
    /// A processor serves <c>/readyz</c> too: a probe sending a tenant's key by mistake gets the short answer, not a 500
    /// (every role registers the key resolver and the admin scheme); the admin key gets what each check found.
    /// </summary>
    private static async Task AssertProcessorReadyzTakesAnyBearerAsync(SiloProcess processor)
    {
        using var http = new HttpClient { BaseAddress = processor.BaseAddress };
        foreach (var (bearer, detailed) in ((string, bool)[])[("a-tenant-key-sent-by-mistake-0123456789", false), (SiloProcess.AdminKey, true)])
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/readyz") { Headers = { Authorization = new("Bearer", bearer) } };
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/readyz on a processor with a bearer answered {(int)response.StatusCode}: {body}");
            Assert.True(body.Contains("\"description\"", StringComparison.Ordinal) == detailed, $"/readyz on a processor, details expected {detailed}: {body}");
        }
    }

    private SiloProcess StartSilo(string role, AzuriteNode azurite, EventHubsEmulatorServer eventHubs, string name)
    {
        var silo = AzureClusterSilos.Start(
            role,
            azurite,
            eventHubs,
            Path.Combine(_data.Path, name),
            "--Pipeline:Gateway:DurableWriteTimeout=00:00:20",
            // Long enough that the gateway still knows a key's tenant after both processors stop (the last step).
            "--Pipeline:Gateway:ApiKeyCacheDuration=00:10:00",
            // The gateway warms up as it ships (the test command turns it off): before its processors it must still
            // report ready, within the warm-up's bound; restarted among them, it warms up while the tenants post.
            $"--Pipeline:Warmup:Enabled={role == "gateway"}",
            "--Pipeline:Warmup:Longest=00:00:05");
        _silos.Add((name, silo));
        return silo;
    }

    private static Task<EventHubsEmulatorServer> StartEventHubsAsync(string dataDirectory) => AzureClusterSilos.StartEventHubsAsync(dataDirectory, Partitions);
}
