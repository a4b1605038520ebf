using System.Net;
using System.Text;
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
    /// and is gone when the processor loads it: the events wait in the dead letters until the file is back.
    /// </summary>
    [Fact]
    public async Task Replay_AfterMissingLookupFileIsFixed_ArchivesTheFormerDeadLetters()
    {
        const string tenant = "dl-replay";
        using var tables = new TempDirectory();
        var table = Path.Combine(tables.Path, "assets.csv");
        object Settings() => new
        {
            displayName = tenant,
            processing = new { enrichment = new { lookupTables = new[] { new { name = "assets", path = table, matchField = "host.name", keyColumn = "host" } } } },
        };
        await File.WriteAllTextAsync(table, "host,owner\nweb-1,team-a\nweb-2,team-b\n");
        var key = await pipeline.Api.CreateTenantAsync(tenant, Settings());
        File.Delete(table);

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("{\"message\":\"a\",\"host\":\"web-1\"}\n{\"message\":\"b\",\"host\":\"web-2\"}"), "application/x-ndjson");
        await AdminCalls.WaitForAsync(
            pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters", static json => json.GetProperty("total").GetInt64() >= 2, TimeSpan.FromSeconds(60));
        await File.WriteAllTextAsync(table, "host,owner\nweb-1,team-a\nweb-2,team-b\n");
        using var fixedSettings = await pipeline.Api.PutTenantAsync(tenant, Settings());
        var replay = await AdminCalls.PostAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters/replay");
        var summary = await AdminCalls.GetAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters");
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static events => events.Count >= 2, TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fixedSettings.StatusCode);
        Assert.Equal(2, replay.GetProperty("replayed").GetInt32());
        Assert.Equal(0, replay.GetProperty("stillFailing").GetInt32());
        Assert.Equal(2, summary.GetProperty("counts").GetProperty("enrich").GetInt64());
        Assert.Equal(0, summary.GetProperty("retained").GetInt32());
        var archived = Assert.Single(objects);
        Assert.Contains($"/{tenant}~replay-", archived.Name, StringComparison.Ordinal);
        Assert.Equal(["team-a", "team-b"], archived.Events.OrderBy(static e => e.Body, StringComparer.Ordinal).Select(static e => e.Attributes["lookup.assets.owner"].Text));
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
