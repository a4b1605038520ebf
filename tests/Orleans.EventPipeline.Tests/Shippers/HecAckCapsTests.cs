using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>HEC's ack caps against a real silo with small caps (<see cref="HecCapsPipelineFixture"/>): what one tenant or client can hold.</summary>
public sealed class HecAckCapsTests(HecCapsPipelineFixture pipeline) : IClassFixture<HecCapsPipelineFixture>, IDisposable
{
    private readonly HecClient _hec = new(pipeline.Silo.BaseAddress);

    public void Dispose() => _hec.Dispose();

    /// <summary>
    /// Before, the channel cap was the gateway's alone: one tenant sending on as many new channels as it holds got every
    /// one, and any other tenant's first request on a new channel was "server is busy" for 10 minutes, or for good while
    /// the first kept using them.
    /// </summary>
    [Fact]
    public async Task OneTenantOpensAsManyChannelsAsTheGatewayHolds_OnlyItsOwnShare_AnotherTenantStillGetsOne()
    {
        var flooder = await pipeline.Api.CreateTenantAsync("hec-caps-flood");
        var other = await pipeline.Api.CreateTenantAsync("hec-caps-other");

        var flood = new List<(int Status, int Code, string Text)>();
        for (var i = 0; i < HecCapsPipelineFixture.MaxChannels; i++)
        {
            using var response = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(flooder), """{"event":"flood"}""", channel: Guid.NewGuid());
            var (status, code, body) = await HecClient.AnswerAsync(response);
            flood.Add((status, code, body.TryGetProperty("detail", out var detail) ? detail.GetString()! : ""));
        }

        using var otherResponse = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(other), """{"event":"mine"}""", channel: Guid.NewGuid());
        var (otherStatus, otherCode, otherBody) = await HecClient.AnswerAsync(otherResponse);

        Assert.Equal((200, 0), (otherStatus, otherCode));
        Assert.Equal(0, otherBody.GetProperty("ackId").GetInt64());
        Assert.All(flood.Take(HecCapsPipelineFixture.MaxChannelsPerTenant), static answer => Assert.Equal(200, answer.Status));
        Assert.All(flood.Skip(HecCapsPipelineFixture.MaxChannelsPerTenant), static answer =>
        {
            Assert.Equal((503, 9), (answer.Status, answer.Code));
            Assert.Contains("(2, Pipeline:Shippers:HecMaxChannelsPerTenant)", answer.Text, StringComparison.Ordinal);
        });

        // Each refusal counts for its tenant alone (before: no metric saw them).
        var refusals = HecCapsPipelineFixture.MaxChannels - HecCapsPipelineFixture.MaxChannelsPerTenant;
        var scrape = await ScrapeUntilAsync(s => s.Sum("eventpipeline_ingest_requests_total", ("tenant", "hec-caps-flood"), ("outcome", "ack_channel_busy")) >= refusals);
        Assert.Equal(refusals, scrape.Sum("eventpipeline_ingest_requests_total", ("tenant", "hec-caps-flood"), ("outcome", "ack_channel_busy")));
        Assert.Equal(0, scrape.Sum("eventpipeline_ingest_requests_total", ("tenant", "hec-caps-other"), ("outcome", "ack_channel_busy")));
    }

    // The exporter may answer a scrape from its short cache: scraped again until it shows the counts, with a deadline.
    private async Task<Observability.PrometheusScrape> ScrapeUntilAsync(Func<Observability.PrometheusScrape, bool> shows)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var scrape = await Observability.PrometheusScrape.FetchAsync(pipeline.Silo.BaseAddress);
            if (shows(scrape) || DateTime.UtcNow > deadline)
            {
                return scrape;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>
    /// A refused request's ack id never reaches its client, which so never asks about it. Before, the id of a request
    /// whose every event was refused (400) was kept as true: 2 of them filled a channel of 2 acks, and the channel was
    /// "server is busy" until the gateway restarted.
    /// </summary>
    [Fact]
    public async Task RefusedRequestsOnAChannel_KeepNoAck_AValidOneAfterThemGetsItsAckId()
    {
        var key = await pipeline.Api.CreateTenantAsync("hec-caps-refused");
        var channel = Guid.NewGuid();

        var refused = new List<(int Status, int Code)>();
        for (var i = 0; i < HecCapsPipelineFixture.MaxAcksPerChannel + 1; i++)
        {
            using var response = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), """{"event":null}""", channel: channel);
            var (status, code, _) = await HecClient.AnswerAsync(response);
            refused.Add((status, code));
        }

        using var valid = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), """{"event":"valid"}""", channel: channel);
        var (validStatus, validCode, validBody) = await HecClient.AnswerAsync(valid);

        Assert.All(refused, static answer => Assert.Equal(400, answer.Status));
        Assert.Equal((200, 0), (validStatus, validCode));
        Assert.True(validBody.TryGetProperty("ackId", out _));
    }
}
