using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Ingest;

namespace Orleans.EventPipeline.Tests.Processing;

[Collection(ProcessingSiloGroup.Name)]
public sealed class DeadLetterEndToEndTests(ProcessingPipelineFixture pipeline)
{
    [Fact]
    public async Task Post_LineThatIsNotCef_DeadLetteredWithReasonAndCounted()
    {
        const string tenant = "dl-cef";
        // TextFormat 3 = Cef: an explicit format dead-letters what does not parse (Auto would keep it as text).
        var key = await pipeline.Api.CreateTenantAsync(tenant, new { displayName = tenant, processing = new { normalization = new { textFormat = 3 } } });

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("CEF:0|Acme|Fw|1.0|7|Deny|5|src=10.0.0.1\nthis is not cef at all\n"), "text/plain");
        var summary = await AdminCalls.WaitForAsync(
            pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters", static json => json.GetProperty("total").GetInt64() >= 1, TimeSpan.FromSeconds(60));
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static events => events.Count >= 1, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, summary.GetProperty("total").GetInt64());
        Assert.Equal(1, summary.GetProperty("counts").GetProperty("normalize").GetInt64());
        var letter = Assert.Single(summary.GetProperty("recent").EnumerateArray());
        Assert.Equal(1, letter.GetProperty("index").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(letter.GetProperty("reason").GetString()));
        Assert.Equal("this is not cef at all", Encoding.UTF8.GetString(letter.GetProperty("raw").GetBytesFromBase64()).TrimEnd('\r', '\n'));
        Assert.Equal("Deny", Assert.Single(objects.SelectMany(static o => o.Events)).Body);
    }

    /// <summary>
    /// A lookup file that was there when the settings were stored (a PUT with a path the silo cannot read is refused)
    /// and is gone when the processor loads it: more events than the dead letters keep (500) are all archived, marked
    /// with the reason, none dead-lettered; once the file is back, the next events are enriched again.
    /// </summary>
    [Fact]
    public async Task Post_LookupFileGoneAfterThePut_ArchivesEveryEventMarkedThenEnrichesOnceItIsBack()
    {
        const string tenant = "dl-nofile";
        const int events = 600;
        var table = Path.Combine(pipeline.LookupDirectory, "dl-nofile-assets.csv");
        await File.WriteAllTextAsync(table, "host,owner\nweb-1,team-a\n");
        var key = await pipeline.Api.CreateTenantAsync(tenant, new
        {
            displayName = tenant,
            processing = new { enrichment = new { lookupTables = new[] { new { name = "assets", path = table, matchField = "host.name", keyColumn = "host" } } } },
        });
        File.Delete(table);

        var lines = string.Join('\n', Enumerable.Range(0, events).Select(static n => $"{{\"message\":\"m{n}\",\"host\":\"web-1\"}}"));
        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(lines), "application/x-ndjson");
        var marked = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static all => all.Count >= events, TimeSpan.FromSeconds(60));
        await File.WriteAllTextAsync(table, "host,owner\nweb-1,team-a\n");
        // The processor tries the file again at its settings refresh (1 s here): one event at a time until one is enriched.
        var sent = 0;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        List<NormalizedEvent> later;
        do
        {
            using var after = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes($"{{\"message\":\"back{sent++}\",\"host\":\"web-1\"}}"), "application/x-ndjson");
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            var archived = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, all => all.Count(static e => e.Body.StartsWith("back", StringComparison.Ordinal)) >= sent, TimeSpan.FromSeconds(30));
            later = archived.SelectMany(static o => o.Events).Where(static e => e.Body.StartsWith("back", StringComparison.Ordinal)).ToList();
        }
        while (!later.Any(static e => e.Attributes.ContainsKey("lookup.assets.owner")) && DateTimeOffset.UtcNow < deadline);
        var summary = await AdminCalls.GetAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var first = marked.SelectMany(static o => o.Events).ToList();
        Assert.Equal(Enumerable.Range(0, events).Select(static n => $"m{n}").Order(StringComparer.Ordinal), first.Select(static e => e.Body).Order(StringComparer.Ordinal));
        Assert.All(first, e =>
        {
            Assert.Contains(table, e.Attributes["enrichment.error"].Text, StringComparison.Ordinal);
            Assert.False(e.Attributes.ContainsKey("lookup.assets.owner"));
        });
        // Once the file loads, the events are enriched again and no longer marked; every one is archived either way.
        Assert.Equal(sent, later.Count);
        var back = later.OrderBy(static e => int.Parse(e.Body.AsSpan(4), CultureInfo.InvariantCulture)).Last();
        Assert.Equal("team-a", back.Attributes["lookup.assets.owner"].Text);
        Assert.False(back.Attributes.ContainsKey("enrichment.error"));
        Assert.All(later, static e => Assert.True(e.Attributes.ContainsKey("lookup.assets.owner") ^ e.Attributes.ContainsKey("enrichment.error"), e.Body));
        Assert.Equal(0, summary.GetProperty("total").GetInt64());
    }

    /// <summary>
    /// A lookup path out of the lookup directory, stored before lookup paths were confined to it (a PUT refuses it now,
    /// so it is stored here as an older silo stored it: on the tenant grain, past the admin API's check). The processor
    /// does not read the file, which would load, and costs no event: each is archived marked with why, none
    /// dead-lettered, as for a file that went missing (helper-123).
    /// </summary>
    [Fact]
    public async Task Post_LookupPathOutOfTheLookupDirectoryStoredBeforeTheUpgrade_ArchivesEveryEventMarkedWithoutReadingIt()
    {
        const string tenant = "dl-outside";
        const int events = 20;
        using var outside = new TempDirectory();
        var table = outside.File("assets.csv");
        await File.WriteAllTextAsync(table, "host,owner\nweb-1,team-a\n");
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        await using (var client = await SiloClient.ConnectAsync(pipeline.Silo))
        {
            var grain = client.Client.GetGrain<ITenantGrain>(tenant);
            var settings = (await grain.GetProfileAsync()).Settings!;
            var lookup = new LookupTableSettings { Name = "assets", Path = table, MatchField = "host.name", KeyColumn = "host" };
            await grain.ConfigureAsync(settings with { Processing = new ProcessingSettings { Enrichment = new EnrichmentSettings { LookupTables = [lookup] } } });
        }

        var lines = string.Join('\n', Enumerable.Range(0, events).Select(static n => $"{{\"message\":\"m{n}\",\"host\":\"web-1\"}}"));
        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(lines), "application/x-ndjson");
        var archived = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static all => all.Count >= events, TimeSpan.FromSeconds(60));
        var summary = await AdminCalls.GetAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var all = archived.SelectMany(static o => o.Events).ToList();
        Assert.Equal(Enumerable.Range(0, events).Select(static n => $"m{n}").Order(StringComparer.Ordinal), all.Select(static e => e.Body).Order(StringComparer.Ordinal));
        Assert.All(all, e =>
        {
            Assert.Contains($"Lookup table \"assets\": \"{table}\" is outside the lookup directory {pipeline.LookupDirectory} (Pipeline:LookupDirectory)", e.Attributes["enrichment.error"].Text, StringComparison.Ordinal);
            Assert.False(e.Attributes.ContainsKey("lookup.assets.owner"));
        });
        Assert.Equal(0, summary.GetProperty("total").GetInt64());
    }

    /// <summary>A line an explicit CEF format could not parse waits in the dead letters; once the format is Auto, a replay archives it as text.</summary>
    [Fact]
    public async Task Replay_AfterTheFormatIsFixed_ArchivesTheFormerDeadLetter()
    {
        const string tenant = "dl-replay";
        object Settings(int textFormat) => new { displayName = tenant, processing = new { normalization = new { textFormat } } };
        // TextFormat 3 = Cef: what does not parse is dead-lettered; 0 = Auto keeps it as plain text.
        var key = await pipeline.Api.CreateTenantAsync(tenant, Settings(3));

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("plain words, not cef\n"), "text/plain");
        await AdminCalls.WaitForAsync(
            pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters", static json => json.GetProperty("total").GetInt64() >= 1, TimeSpan.FromSeconds(60));
        using var fixedSettings = await pipeline.Api.PutTenantAsync(tenant, Settings(0));
        var replay = await AdminCalls.PostAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters/replay");
        var summary = await AdminCalls.GetAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters");
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static events => events.Count >= 1, TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fixedSettings.StatusCode);
        Assert.Equal(1, replay.GetProperty("replayed").GetInt32());
        Assert.Equal(0, replay.GetProperty("stillFailing").GetInt32());
        Assert.Equal(1, summary.GetProperty("counts").GetProperty("normalize").GetInt64());
        Assert.Equal(0, summary.GetProperty("retained").GetInt32());
        var archived = Assert.Single(objects);
        Assert.Contains($"/{tenant}~replay-", archived.Name, StringComparison.Ordinal);
        Assert.Equal("plain words, not cef", Assert.Single(archived.Events).Body);
    }

    /// <summary>
    /// More dead letters than a tenant keeps for listing (1 MiB of raw bytes): the older ones are past, not gone. Every
    /// letter is read back once: the past ones page by page, the kept ones in the listing.
    /// </summary>
    [Fact]
    public async Task Past_MoreLettersThanKept_EveryLetterReadBackOnce()
    {
        const string tenant = "dl-stored";
        const int requests = 6;
        const int lines = 1_000;
        // TextFormat 3 = Cef: every line below is dead-lettered by the normalize stage, about 1 KB each.
        var key = await pipeline.Api.CreateTenantAsync(tenant, new { displayName = tenant, processing = new { normalization = new { textFormat = 3 } } });
        static string Line(int request, int line) => $"not cef {request}-{line} " + new string('x', 1_000);
        for (var request = 0; request < requests; request++)
        {
            var body = string.Join('\n', Enumerable.Range(0, lines).Select(line => Line(request, line)));
            using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(body), "text/plain");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var summary = await AdminCalls.WaitForAsync(
            pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters?recent=0", static json => json.GetProperty("total").GetInt64() >= requests * lines, TimeSpan.FromSeconds(90));
        var read = new List<string>();
        var pages = 0;
        long? after = -1;
        while (after is { } from)
        {
            var page = await AdminCalls.GetAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters/past?after={from}");
            pages++;
            read.AddRange(page.GetProperty("objects").EnumerateArray()
                .SelectMany(static o => o.GetProperty("letters").EnumerateArray())
                .Select(static l => Encoding.UTF8.GetString(l.GetProperty("raw").GetBytesFromBase64()).TrimEnd('\r', '\n')));
            after = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetInt64();
        }

        var kept = await AdminCalls.GetAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters?recent=10000");
        read.AddRange(kept.GetProperty("recent").EnumerateArray().Select(static l => Encoding.UTF8.GetString(l.GetProperty("raw").GetBytesFromBase64()).TrimEnd('\r', '\n')));

        Assert.Equal(requests * lines, summary.GetProperty("total").GetInt64());
        Assert.True(summary.GetProperty("past").GetInt64() >= 4_000, $"past {summary.GetProperty("past").GetInt64()}: the test means most letters to be past the bounds");
        Assert.Equal(requests * lines, summary.GetProperty("retained").GetInt32() + summary.GetProperty("past").GetInt64());
        Assert.True(pages >= 2, $"{pages} page(s) for about 5 MB of past letters");
        Assert.Equal(
            Enumerable.Range(0, requests).SelectMany(request => Enumerable.Range(0, lines).Select(line => Line(request, line))).Order(StringComparer.Ordinal),
            read.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Post_MalformedJsonLine_RejectedByGatewayAndCountedUnderIngest()
    {
        const string tenant = "dl-ingest";
        var key = await pipeline.Api.CreateTenantAsync(tenant);

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("{\"ok\":1}\n{\"broken\":\n"), "application/x-ndjson");
        var summary = await AdminCalls.WaitForAsync(
            pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters", static json => json.GetProperty("total").GetInt64() >= 1, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await ContentTypeIngestTests.ReadJsonAsync(response);
        Assert.Equal(1, summary.GetProperty("counts").GetProperty("ingest").GetInt64());
        var letter = Assert.Single(summary.GetProperty("recent").EnumerateArray());
        Assert.Equal("ingest", letter.GetProperty("stage").GetString());
        // One id, one spelling: the letter's batch id is the answer's, 32 hex digits.
        Assert.Matches("^[0-9a-f]{32}$", answer.GetProperty("batchId").GetString());
        Assert.Equal(answer.GetProperty("batchId").GetString(), letter.GetProperty("batchId").GetString());
    }
}
