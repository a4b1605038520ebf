using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Ingest;

/// <summary>Every whole-request error answers its status with a JSON body that names the problem.</summary>
public sealed class IngestErrorTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    private static readonly byte[] OneEvent = "{\"a\":1}"u8.ToArray();

    [Fact]
    public async Task Post_NoKey_Is401()
    {
        using var response = await pipeline.Api.PostAsync(null, OneEvent, "application/x-ndjson");

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized", "API key");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Post_UnknownKeyAndRevokedKey_GetTheSame401()
    {
        var key = await pipeline.Api.CreateTenantAsync("revoked");
        using var ok = await pipeline.Api.PostAsync(key, OneEvent, "application/x-ndjson");
        await pipeline.Api.RevokeAllKeysAsync("revoked");

        using var unknown = await pipeline.Api.PostAsync("ept_not-a-real-key", OneEvent, "application/x-ndjson");
        using var revoked = await pipeline.Api.PostAsync(key, OneEvent, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var unknownBody = await AssertProblemAsync(unknown, HttpStatusCode.Unauthorized, "unauthorized", "API key");
        var revokedBody = await AssertProblemAsync(revoked, HttpStatusCode.Unauthorized, "unauthorized", "API key");
        Assert.Equal(unknownBody.GetProperty("detail").GetString(), revokedBody.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Post_DisabledTenant_Is403()
    {
        var key = await pipeline.Api.CreateTenantAsync("disabled");
        using var disable = await pipeline.Api.PutTenantAsync("disabled", new { displayName = "disabled", enabled = false });

        using var response = await pipeline.Api.PostAsync(key, OneEvent, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "tenant_disabled", "disabled");
    }

    [Fact]
    public async Task Post_ContentLengthOverLimit_Is413BeforeReading()
    {
        var key = await pipeline.Api.CreateTenantAsync("toolarge");
        var body = Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Repeat("{\"pad\":\"" + new string('x', 1000) + "\"}", 300)));

        using var response = await pipeline.Api.PostAsync(key, body, "application/x-ndjson");

        Assert.True(body.Length > LocalPipelineFixture.MaxBodyBytes);
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large", $"limit is {LocalPipelineFixture.MaxBodyBytes} bytes");
    }

    [Fact]
    public async Task Post_ChunkedBodyOverLimit_Is413WhileStreaming()
    {
        var key = await pipeline.Api.CreateTenantAsync("toolarge-chunked");
        var body = new byte[LocalPipelineFixture.MaxBodyBytes * 2];
        Array.Fill(body, (byte)'x');
        using var content = new StreamContent(new NonSeekableStream(body));

        using var response = await pipeline.Api.PostAsync(key, content, "text/plain");

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large", "on the wire");
    }

    [Fact]
    public async Task Post_ZipBomb_Is413AtTheDecompressedLimit()
    {
        var key = await pipeline.Api.CreateTenantAsync("zipbomb");
        var inflated = new byte[LocalPipelineFixture.MaxDecompressedBytes * 8];
        Array.Fill(inflated, (byte)'\n');
        var bomb = ContentTypeIngestTests.Compress(inflated, "gzip");

        using var response = await pipeline.Api.PostAsync(key, bomb, "text/plain", "gzip");

        Assert.True(bomb.Length < LocalPipelineFixture.MaxBodyBytes, "the compressed body itself is within the wire limit");
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large", "decompressed body exceeds");
    }

    // A 3.9 KB gzip body of 2,000,000 lines "x" was answered 200 after 49 s with 263 MB of reasons, and grew the silo
    // from 245 MB to 1.5 GB: each rejected line holds a copy and a reason of ~120 characters. Here 200,000 lines (400 KB
    // inflated, within the fixture's 1 MiB) would hold about 60 MB.
    [Fact]
    public async Task Post_BodyOfManyRejectedLines_Is413NamingTheBound_ThenAGoodBodyIsStored()
    {
        var key = await pipeline.Api.CreateTenantAsync("rejected-flood");
        var flood = ContentTypeIngestTests.Compress(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("x\n", 200_000))), "gzip");

        using var response = await pipeline.Api.PostAsync(key, flood, "application/x-ndjson", "gzip");
        using var good = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("{\"n\":1}"), "application/x-ndjson");

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large",
            $"The rejected events of this request hold more than {LocalPipelineFixture.MaxDecompressedBytes} bytes with their reasons (Pipeline:Gateway:MaxDecompressedBytes)");
        Assert.Equal(1, (await ContentTypeIngestTests.ReadJsonAsync(good)).GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task Post_SingleEventOverLimit_RejectedAloneAndKeptTruncatedWithItsSize()
    {
        var key = await pipeline.Api.CreateTenantAsync("bigevent");
        var oversize = "{\"pad\":\"" + new string('x', LocalPipelineFixture.MaxEventBytes) + "\"}";
        var body = Encoding.UTF8.GetBytes("{\"small\":1}\n" + oversize + "\n{\"small\":2}");

        using var response = await pipeline.Api.PostAsync(key, body, "application/x-ndjson");
        var answer = await ContentTypeIngestTests.ReadJsonAsync(response);
        var letters = new List<System.Text.Json.JsonElement>();
        await StreamReadback.ForEachMessageAsync(pipeline.Silo.EventHubsConnectionString, data =>
        {
            if (data.Properties["ep-format"] as string == "eventpipeline.deadletter.v1" && (string)data.Properties["ep-tenant"] == "bigevent")
            {
                using var json = System.Text.Json.JsonDocument.Parse(data.EventBody.ToArray());
                letters.Add(json.RootElement.Clone());
            }
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, answer.GetProperty("accepted").GetInt32());
        var rejected = Assert.Single(answer.GetProperty("rejected").EnumerateArray());
        Assert.Equal(1, rejected.GetProperty("index").GetInt32());
        Assert.Contains($"is {oversize.Length} bytes; the limit for one event is {LocalPipelineFixture.MaxEventBytes} bytes", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var letter = Assert.Single(letters);
        Assert.Equal(oversize.Length, letter.GetProperty("originalSize").GetInt32());
        Assert.Equal(Encoding.UTF8.GetBytes(oversize)[..4096], letter.GetProperty("raw").GetBytesFromBase64());
    }

    [Theory]
    [InlineData("application/xml", null, "Content-Type 'application/xml'")]
    [InlineData("text/plain; charset=latin1", null, "UTF-8")]
    [InlineData("application/x-ndjson", "br", "Content-Encoding 'br'")]
    public async Task Post_UnsupportedTypeOrEncoding_Is415(string contentType, string? encoding, string expected)
    {
        var key = await pipeline.Api.CreateTenantAsync("unsupported");

        using var response = await pipeline.Api.PostAsync(key, OneEvent, contentType, encoding);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", expected);
    }

    [Theory]
    [InlineData("application/json", "{\"not\":\"an array\"}", null, "must be a JSON array")]
    [InlineData("application/json", "[{\"a\":1}, {\"b\":", null, "not a readable JSON array")]
    [InlineData("application/x-ndjson", "not gzip at all", "gzip", "The body is not valid gzip: it does not begin with gzip's header or its compressed data is damaged")]
    [InlineData("application/x-ndjson", "\n\n  \n", null, "no events")]
    public async Task Post_UnreadableBody_Is400(string contentType, string body, string? encoding, string expected)
    {
        var key = await pipeline.Api.CreateTenantAsync("unreadable");

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(body), contentType, encoding);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, null, expected);
        Assert.NotNull(problem.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Post_IdempotencyKeyWithSpaces_Is400()
    {
        var key = await pipeline.Api.CreateTenantAsync("badkey");

        using var response = await pipeline.Api.PostAsync(key, OneEvent, "application/x-ndjson", idempotencyKey: "has spaces in it");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "bad_idempotency_key", "printable ASCII");
    }

    /// <summary>
    /// Two Idempotency-Key lines reach the server as two values, which it would join ("a1,a2") into a key neither sender
    /// meant; an empty one is more likely a templating slip than a wish to be stored again on every retry.
    /// </summary>
    [Theory]
    [InlineData("Idempotency-Key: a1\r\nIdempotency-Key: a2\r\n")]
    [InlineData("Idempotency-Key: \r\n")]
    public async Task Post_IdempotencyKeySentTwiceOrEmpty_Is400(string headers)
    {
        var key = await pipeline.Api.CreateTenantAsync("twokeys");
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(pipeline.Silo.BaseAddress.Host, pipeline.Silo.BaseAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST /v1/events HTTP/1.1\r\nHost: {pipeline.Silo.BaseAddress.Authority}\r\nAuthorization: Bearer {key}\r\n{headers}" +
            $"Content-Type: application/x-ndjson\r\nContent-Length: {OneEvent.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head).Concat(OneEvent).ToArray());
        using var reader = new StreamReader(stream, Encoding.UTF8);

        var response = await reader.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        Assert.Contains("\"bad_idempotency_key\"", response, StringComparison.Ordinal);
        Assert.Contains("must be sent once", response, StringComparison.Ordinal);
    }

    internal static async Task<System.Text.Json.JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? code, string detailContains)
    {
        var body = await ContentTypeIngestTests.ReadJsonAsync(response);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (code is not null)
        {
            Assert.Equal(code, body.GetProperty("error").GetString());
        }

        Assert.Contains(detailContains, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        return body;
    }
}
