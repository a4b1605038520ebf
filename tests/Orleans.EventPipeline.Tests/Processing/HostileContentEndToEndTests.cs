using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Tests.Support;
using Orleans.EventPipeline.Tests.Ingest;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// Hostile content through the real silo: every acknowledged event ends in the archive exactly once or
/// in the dead letters, and one bad event never costs the others (docs/EVENT-SCHEMA.md, "Hostile content").
/// </summary>
[Collection(ProcessingSiloGroup.Name)]
public sealed class HostileContentEndToEndTests(ProcessingPipelineFixture pipeline)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly string[] SourceIpField = ["src"];

    [Fact]
    public async Task Post_HundredGoodEventsAndOneWithInvalidUtf8_HundredArchivedOnceAndTheOneRejected()
    {
        const string tenant = "hostile-utf8";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var lines = Good(100);
        lines.Insert(40, [.. "{\"s\":\""u8, 0xFF, .. "\"}"u8]);

        using var response = await pipeline.Api.PostAsync(key, Ndjson(lines), "application/x-ndjson");
        var answer = await ContentTypeIngestTests.ReadJsonAsync(response);
        var archived = await ArchivedAsync(tenant, 100);
        var summary = await DeadLettersAsync(tenant, 1);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(100, answer.GetProperty("accepted").GetInt32());
        var rejected = Assert.Single(answer.GetProperty("rejected").EnumerateArray());
        Assert.Equal(40, rejected.GetProperty("index").GetInt32());
        Assert.Contains("not valid UTF-8", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        AssertExactlyOnce(archived, 100);
        Assert.Equal(1, summary.GetProperty("counts").GetProperty("ingest").GetInt64());
    }

    [Fact]
    public async Task Post_TimestampOfAQuarterMegabyteOfEscapedCharacters_DeadLetteredWithABoundedReason_LaterBatchesArchived()
    {
        // The parser quotes the value in its reason; escaped as JSON ('<' is \u003C) that reason alone
        // was 1.8 MB, over the 1 MB message, and the processor retried the send forever.
        const string tenant = "hostile-long-reason";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var lines = Good(10);
        lines.Insert(5, Encoding.UTF8.GetBytes($$"""{"timestamp":"{{new string('<', 250_000)}}","message":"hostile"}"""));

        using var response = await pipeline.Api.PostAsync(key, Ndjson(lines), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var later = await pipeline.Api.PostAsync(key, Ndjson(Good(3)), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        var archived = await ArchivedAsync(tenant, 13);
        var summary = await DeadLettersAsync(tenant, 1);

        Assert.Equal(13, archived.Count);
        Assert.Equal(1, summary.GetProperty("counts").GetProperty("normalize").GetInt64());
        var letter = Assert.Single(summary.GetProperty("recent").EnumerateArray());
        Assert.InRange(letter.GetProperty("reason").GetString()!.Length, 1, 1_001);
    }

    [Theory]
    [InlineData("hostile-ts-offset", "2024-01-01T00:00:00+14:30")]
    [InlineData("hostile-ts-min", "0001-01-01T00:00:00+01:00")]
    [InlineData("hostile-ts-max", "9999-12-31T23:59:59-01:00")]
    public async Task Post_EventWithTimestampOutOfRange_DeadLetteredAndTheOthersArchived(string tenant, string timestamp)
    {
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var lines = Good(20);
        var hostile = Encoding.UTF8.GetBytes($$"""{"timestamp":"{{timestamp}}","message":"hostile"}""");
        lines.Insert(7, hostile);

        using var response = await pipeline.Api.PostAsync(key, Ndjson(lines), "application/x-ndjson");
        var archived = await ArchivedAsync(tenant, 20);
        var summary = await DeadLettersAsync(tenant, 1);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertExactlyOnce(archived, 20);
        Assert.Equal(1, summary.GetProperty("counts").GetProperty("normalize").GetInt64());
        var letter = Assert.Single(summary.GetProperty("recent").EnumerateArray());
        Assert.Equal(7, letter.GetProperty("index").GetInt32());
        Assert.Equal(hostile, letter.GetProperty("raw").GetBytesFromBase64());
        Assert.Contains($"\"timestamp\" holds {timestamp}", letter.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_NumberBeyondDoubleAmongHundredEvents_EveryEventArchivedExactlyOnce()
    {
        const string tenant = "hostile-1e400";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var lines = Good(100);
        lines[50] = """{"message":"event 50","n":1e400}"""u8.ToArray();

        using var first = await pipeline.Api.PostAsync(key, Ndjson(lines), "application/x-ndjson");
        // A second batch: the events of the first one must not be written again into its object.
        using var second = await pipeline.Api.PostAsync(key, Ndjson(Good(10, "next")), "application/x-ndjson");
        var archived = await ArchivedAsync(tenant, 110);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        AssertExactlyOnce(archived, 110);
        var big = Assert.Single(archived, static e => e.Body == "event 50");
        Assert.Equal("1e400", big.Attributes["n"].Text);
    }

    [Fact]
    public async Task Post_OneEventOverMaxEventBytes_200WithThatIndexRejectedAndTheRestArchived()
    {
        const string tenant = "hostile-oversize";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var lines = Good(10);
        // The processing silo keeps the default limit, 256 KiB.
        var oversize = Encoding.UTF8.GetBytes("{\"message\":\"" + new string('x', 300 * 1024) + "\"}");
        lines.Insert(3, oversize);

        using var response = await pipeline.Api.PostAsync(key, Ndjson(lines), "application/x-ndjson");
        var answer = await ContentTypeIngestTests.ReadJsonAsync(response);
        var archived = await ArchivedAsync(tenant, 10);
        var summary = await DeadLettersAsync(tenant, 1);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rejected = Assert.Single(answer.GetProperty("rejected").EnumerateArray());
        Assert.Equal(3, rejected.GetProperty("index").GetInt32());
        Assert.Contains($"is {oversize.Length} bytes; the limit for one event is {256 * 1024} bytes", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        AssertExactlyOnce(archived, 10);
        var letter = Assert.Single(summary.GetProperty("recent").EnumerateArray());
        Assert.Equal(oversize[..4096], letter.GetProperty("raw").GetBytesFromBase64());
    }

    [Fact]
    public async Task Post_EventsWhoseEnrichmentThrowsUnexpectedly_OnlyThoseDeadLetteredWithTheException()
    {
        const string tenant = "hostile-enrich-throws";
        // A record whose latitude is a string: the MaxMind reader throws DeserializationException, which
        // the enricher does not expect; the processor's safety net must cost only those events.
        var database = Path.Combine(pipeline.LookupDirectory, "odd-layout.mmdb");
        File.WriteAllBytes(database, new MmdbWriter()
            .Add("203.0.113.0/24", MmdbWriter.City("NO", "Norway", "Oslo", 59.9, 10.7))
            .Add("198.51.100.0/24", new Dictionary<string, object> { ["location"] = new Dictionary<string, object> { ["latitude"] = "north" } })
            .Build());
        var key = await pipeline.Api.CreateTenantAsync(tenant, new
        {
            displayName = tenant,
            processing = new { enrichment = new { geoIp = new { databasePath = database, ipFields = SourceIpField } } },
        });
        var lines = Enumerable.Range(0, 10)
            .Select(i => Encoding.UTF8.GetBytes($$"""{"message":"event {{i}}","src":"{{(i is 2 or 6 ? "198.51.100.9" : "203.0.113.9")}}"}"""))
            .ToList();

        using var response = await pipeline.Api.PostAsync(key, Ndjson(lines), "application/x-ndjson");
        var archived = await ArchivedAsync(tenant, 8);
        var summary = await DeadLettersAsync(tenant, 2);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertExactlyOnce(archived, 8);
        Assert.All(archived, static e => Assert.Equal("Oslo", e.Attributes["src.geo.city.name"].Text));
        Assert.Equal(2, summary.GetProperty("counts").GetProperty("enrich").GetInt64());
        var letters = summary.GetProperty("recent").EnumerateArray().ToList();
        Assert.Equal([2, 6], letters.Select(static l => l.GetProperty("index").GetInt32()).Order());
        Assert.All(letters, static l => Assert.Contains("DeserializationException", l.GetProperty("reason").GetString(), StringComparison.Ordinal));
    }

    private static List<byte[]> Good(int count, string prefix = "event") =>
        [.. Enumerable.Range(0, count).Select(i => Encoding.UTF8.GetBytes($$"""{"message":"{{prefix}} {{i}}"}"""))];

    private static byte[] Ndjson(List<byte[]> lines) => [.. lines.SelectMany(static line => line.Append((byte)'\n'))];

    private async Task<List<NormalizedEvent>> ArchivedAsync(string tenant, int count)
    {
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, events => events.Count >= count, Deadline);
        return [.. objects.SelectMany(static o => o.Events)];
    }

    private async Task<JsonElement> DeadLettersAsync(string tenant, int total) =>
        await AdminCalls.WaitForAsync(
            pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters", json => json.GetProperty("total").GetInt64() >= total, Deadline);

    private static void AssertExactlyOnce(List<NormalizedEvent> archived, int count)
    {
        Assert.Equal(count, archived.Count);
        Assert.Equal(count, archived.Select(static e => e.EventId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(count, archived.Select(static e => e.Body).Distinct(StringComparer.Ordinal).Count());
    }
}
