using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Ingest;

/// <summary>
/// Bodies that are not whole: a 400 naming the problem and nothing stored, where they were a 500
/// (cut zstd), a 200 for what came out (cut gzip) or a 200 ignoring the rest (gzip then garbage).
/// </summary>
public sealed class CompressedBodyEdgeTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    private static readonly byte[] Lines = Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, 200).Select(static i => $"{{\"seq\":{i},\"pad\":\"{i * 7919}\"}}")));

    [Theory]
    [InlineData("zstd", 10, "zstd body is cut short")]
    [InlineData("zstd", 1, "zstd body is cut short")]
    [InlineData("gzip", 10, "gzip body is cut short")]
    [InlineData("gzip", 1, "gzip body is cut short")]
    public async Task Post_CompressedBodyCutShort_Is400NamingTheEncodingAndStoresNothing(string encoding, int cut, string expected)
    {
        var tenant = $"cut-{encoding}-{cut}";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var whole = ContentTypeIngestTests.Compress(Lines, encoding);

        using var response = await pipeline.Api.PostAsync(key, whole[..^cut], "application/x-ndjson", encoding);

        await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "bad_framing", expected);
        await AssertNothingStoredAsync(tenant);
    }

    [Theory]
    [InlineData("gzip", "garbage")]
    [InlineData("gzip", "\u001f")]
    [InlineData("zstd", "garbage")]
    public async Task Post_CompressedBodyWithTrailingGarbage_Is400NamingTheEncodingAndStoresNothing(string encoding, string garbage)
    {
        var tenant = $"trailing-{encoding}-{garbage.Length}";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        byte[] body = [.. ContentTypeIngestTests.Compress(Lines, encoding), .. Encoding.ASCII.GetBytes(garbage)];

        using var response = await pipeline.Api.PostAsync(key, body, "application/x-ndjson", encoding);

        var problem = await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "bad_framing", encoding);
        Assert.Contains("zstd" == encoding ? "not valid zstd" : "bytes after its last member", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingStoredAsync(tenant);
    }

    /// <summary>
    /// A compressed body sent without its Content-Encoding (curl's --data-binary of a .gz file): each of its "events" was
    /// refused as not UTF-8 under a 200, and kept as a dead letter of compressed bytes, again at every retry.
    /// </summary>
    [Theory]
    [InlineData("gzip", false)]
    [InlineData("zstd", false)]
    [InlineData("gzip", true)]
    public async Task Post_CompressedBodyWithoutContentEncoding_Is400NamingTheEncodingAndStoresNothing(string encoding, bool empty)
    {
        var tenant = $"unsaid-{encoding}-{(empty ? "empty" : "lines")}";
        var key = await pipeline.Api.CreateTenantAsync(tenant);

        // An empty gzip member as gzip(1) writes one (.NET's writer writes nothing for no data): header, an empty final block, trailer.
        byte[] emptyGzip = [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

        using var response = await pipeline.Api.PostAsync(key, empty ? emptyGzip : ContentTypeIngestTests.Compress(Lines, encoding), "application/x-ndjson");

        await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "bad_framing", $"no Content-Encoding: {encoding}");
        await AssertNothingStoredAsync(tenant);
    }

    /// <summary>
    /// A text body whose first line is binary that begins as gzip does, and good lines after it: that line is refused alone
    /// and the good lines are taken. The magic bytes alone refused the whole batch, and so did a first byte that
    /// decompresses, as a forwarded gzip-compressed GELF datagram's does; a shipper drops a batch answered 400
    /// (helper-142, helper-143).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_TextWhoseFirstLineBeginsAsGzipButIsNot_ThatLineRefusedAlone(bool aWholeGzipMember)
    {
        var key = await pipeline.Api.CreateTenantAsync($"gzip-lookalike-{aWholeGzipMember}".ToLowerInvariant());
        byte[] first = aWholeGzipMember
            ? ContentTypeIngestTests.Compress("{\"version\":\"1.1\",\"host\":\"h\",\"short_message\":\"hi\"}"u8.ToArray(), "gzip")
            : [0x1F, 0x8B, 0x08, .. " binary datagram"u8];
        byte[] body = [.. first, .. "\nvalid line one\nvalid line two\n"u8];

        using var response = await pipeline.Api.PostAsync(key, body, "text/plain");

        var answer = await ContentTypeIngestTests.ReadJsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, answer.GetProperty("accepted").GetInt32());
        Assert.Equal(0, answer.GetProperty("rejected")[0].GetProperty("index").GetInt32());
    }

    [Fact]
    public async Task Post_ConcatenatedGzipMembers_AreOneWholeBody()
    {
        var key = await pipeline.Api.CreateTenantAsync("gzip-members");
        byte[] body = [.. ContentTypeIngestTests.Compress(Lines, "gzip"), .. ContentTypeIngestTests.Compress("\n{\"last\":1}"u8.ToArray(), "gzip")];
        using var content = new StreamContent(new NonSeekableStream(body));

        using var response = await pipeline.Api.PostAsync(key, content, "application/x-ndjson", "gzip");

        var answer = await ContentTypeIngestTests.ReadJsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(201, answer.GetProperty("accepted").GetInt32());
    }

    private async Task AssertNothingStoredAsync(string tenant)
    {
        var (events, letters) = await StreamReadback.ReadAllAsync(pipeline.Silo.EventHubsConnectionString);
        Assert.DoesNotContain(events, e => e.Tenant == tenant);
        Assert.DoesNotContain(letters, l => l.Tenant == tenant);
    }
}
