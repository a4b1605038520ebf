using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Ingest;

/// <summary>Headers that were a 500, and problem bodies that lacked a field the others have.</summary>
public sealed class IngestProblemShapeTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    private static readonly byte[] OneEvent = "{\"a\":1}"u8.ToArray();

    [Theory]
    [InlineData(";")]
    [InlineData(" ; ;")]
    public async Task Post_ContentTypeWithoutMediaType_Is415NamingIt(string contentType)
    {
        var key = await pipeline.Api.CreateTenantAsync("no-media-type");
        using var content = new ByteArrayContent(OneEvent);
        // Set without parsing: the point is a header the parser would refuse.
        Assert.True(content.Headers.TryAddWithoutValidation("Content-Type", contentType));

        using var response = await SendAsync(key, content);

        await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", $"Content-Type '{contentType.Trim()}' is not supported");
    }

    [Fact]
    public async Task Post_RateLimited_ProblemHasTypeLikeThe413()
    {
        var key = await pipeline.Api.CreateTenantAsync("typed-429", new
        {
            displayName = "typed-429",
            limits = new { eventsPerSecond = 1.0, bytesPerSecond = 1_000_000.0, burstSeconds = 1.0 },
        });
        // Ten events through a full bucket of one leave it 9 events in debt: 9 s before the next passes,
        // however slowly a busy machine carries the two requests.
        using var first = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Repeat("{\"a\":1}", 10))), "application/x-ndjson");

        using var limited = await pipeline.Api.PostAsync(key, OneEvent, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var problem = await IngestErrorTests.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "rate_limited", "over its limit");
        Assert.Equal("https://tools.ietf.org/html/rfc6585#section-4", problem.GetProperty("type").GetString());
        Assert.Equal("rate_limited", problem.GetProperty("title").GetString());
        Assert.NotNull(limited.Headers.RetryAfter);
    }

    private async Task<HttpResponseMessage> SendAsync(string key, HttpContent content)
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = content };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return await http.SendAsync(request);
    }
}
