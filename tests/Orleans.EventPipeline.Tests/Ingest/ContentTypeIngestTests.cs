using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Ingest;

public sealed class ContentTypeIngestTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    [Fact]
    public async Task Post_Ndjson_EachLineLandsUnchanged()
    {
        var key = await pipeline.Api.CreateTenantAsync("ndjson");
        string[] lines = ["{\"msg\":\"login\",\"user\":\"ana\"}", "{ \"msg\" : \"logout\",\t\"n\": 1.50 }", "{\"unicode\":\"zß水🀄\"}"];

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\n"), "application/x-ndjson");
        var answer = await ReadJsonAsync(response);
        var stored = await ReadTenantAsync("ndjson");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, answer.GetProperty("accepted").GetInt32());
        Assert.Empty(answer.GetProperty("rejected").EnumerateArray());
        Assert.Equal(lines, stored.Select(static e => Encoding.UTF8.GetString(e.Bytes)));
        Assert.All(stored, static e => Assert.Equal("json", e.Kind));
        Assert.Equal($"{stored[0].BatchId}:0", answer.GetProperty("firstEventId").GetString());
    }

    [Fact]
    public async Task Post_JsonArray_EachObjectLandsWithItsOwnBytes()
    {
        var key = await pipeline.Api.CreateTenantAsync("jsonarray");
        const string First = "{\n  \"msg\": \"pretty\",\n  \"nested\": { \"a\": [1, 2] }\n}";
        const string Second = "{\"msg\":\"compact\"}";

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes($"[ {First} ,\n{Second}]"), "application/json");
        var stored = await ReadTenantAsync("jsonarray");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([First, Second], stored.Select(static e => Encoding.UTF8.GetString(e.Bytes)));
    }

    [Fact]
    public async Task Post_TextPlain_EachLineIsOneRawEvent()
    {
        var key = await pipeline.Api.CreateTenantAsync("syslog");
        string[] lines =
        [
            "<34>1 2026-11-26T10:00:00Z host app 1 ID47 - su failed for lonvick",
            "<13>Nov 26 10:00:01 host sshd[42]: Accepted password for ana",
            "plain text with \"quotes\" and a tab\there",
        ];

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(string.Join("\n", lines)), "text/plain; charset=utf-8");
        var stored = await ReadTenantAsync("syslog");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(lines, stored.Select(static e => Encoding.UTF8.GetString(e.Bytes)));
        Assert.All(stored, static e => Assert.Equal("text", e.Kind));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    public async Task Post_CompressedBody_DecompressedEventsLand(string encoding)
    {
        var tenant = "compressed-" + encoding;
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var lines = Enumerable.Range(0, 500).Select(static i => $"{{\"seq\":{i},\"pad\":\"{new string('x', 100)}\"}}").ToArray();
        var raw = Encoding.UTF8.GetBytes(string.Join("\n", lines));

        using var response = await pipeline.Api.PostAsync(key, Compress(raw, encoding), "application/x-ndjson", encoding);
        var stored = await ReadTenantAsync(tenant);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(lines, stored.Select(static e => Encoding.UTF8.GetString(e.Bytes)));
    }

    [Fact]
    public async Task Post_ChunkedBody_WithoutContentLength_IsAccepted()
    {
        var key = await pipeline.Api.CreateTenantAsync("chunked");
        var lines = Enumerable.Range(0, 50).Select(static i => $"{{\"i\":{i}}}").ToArray();
        using var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(string.Join("\n", lines))));
        Assert.Null(content.Headers.ContentLength);

        using var response = await pipeline.Api.PostAsync(key, content, "application/x-ndjson");
        var stored = await ReadTenantAsync("chunked");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(lines, stored.Select(static e => Encoding.UTF8.GetString(e.Bytes)));
    }

    [Fact]
    public async Task Post_MalformedEventsInBatch_ValidOnesStoredBadOnesReportedAndDeadLettered()
    {
        var key = await pipeline.Api.CreateTenantAsync("partial");
        string[] lines = ["{\"ok\":1}", "{\"broken\":", "[1,2]", "{\"ok\":2}", "not json at all"];

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(string.Join("\n", lines)), "application/x-ndjson");
        var answer = await ReadJsonAsync(response);
        var rejected = answer.GetProperty("rejected").EnumerateArray().ToList();
        var (events, letters) = await StreamReadback.ReadAllAsync(pipeline.Silo.EventHubsConnectionString);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, answer.GetProperty("accepted").GetInt32());
        Assert.Equal([1, 2, 4], rejected.Select(static r => r.GetProperty("index").GetInt32()));
        Assert.All(rejected, static r => Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("reason").GetString())));
        Assert.Contains("not an object", rejected[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(["{\"ok\":1}", "{\"ok\":2}"], events.Where(static e => e.Tenant == "partial").Select(static e => Encoding.UTF8.GetString(e.Bytes)));
        var deadLetters = letters.Where(static d => d.Tenant == "partial").OrderBy(static d => d.Index).ToList();
        Assert.Equal([1, 2, 4], deadLetters.Select(static d => d.Index));
        Assert.Equal(["{\"broken\":", "[1,2]", "not json at all"], deadLetters.Select(static d => Encoding.UTF8.GetString(d.Raw)));
    }

    private async Task<List<StoredEvent>> ReadTenantAsync(string tenant)
    {
        var (events, _) = await StreamReadback.ReadAllAsync(pipeline.Silo.EventHubsConnectionString);
        return events.Where(e => e.Tenant == tenant).OrderBy(static e => e.Index).ToList();
    }

    internal static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(text.Length > 0, $"HTTP {(int)response.StatusCode} came with an empty body");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    internal static byte[] Compress(byte[] raw, string encoding)
    {
        using var output = new MemoryStream();
        using (Stream compressor = encoding == "gzip"
            ? new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)
            : new ZstdSharp.CompressionStream(output, 3, leaveOpen: true))
        {
            compressor.Write(raw);
        }

        return output.ToArray();
    }
}
