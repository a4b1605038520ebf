using System.Globalization;
using System.Net;
using System.Text;
using Azure.Messaging.EventHubs;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Ingest;

/// <summary><c>Pipeline:Ingest:MaxMessageBytes</c> is read from configuration and bounds every Event Hubs message a batch becomes.</summary>
public sealed class MessageSizeTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    // ~15 KiB an event: four fit a 64 KiB message with their frame prefixes, five do not.
    private const int PadBytes = 15 * 1024;

    [Fact]
    public async Task Post_BatchOverMaxMessageBytes_IsStoredWholeInMessagesWithinTheSetting()
    {
        // 12 events: ~180 KiB, within the 256 KiB body limit, about three 64 KiB messages.
        var messages = await PostPaddedEventsAsync("msgsize", 12);

        Assert.InRange(messages.Count, 3, 12);
        Assert.All(messages, static m => Assert.InRange(m.EventBody.ToMemory().Length, 1, LocalPipelineFixture.MaxMessageBytes));
        Assert.Single(messages.Select(static m => (string)m.Properties["ep-batch"]).Distinct());
        var (events, _) = await StreamReadback.ReadAllAsync(pipeline.Silo.EventHubsConnectionString);
        Assert.Equal(Enumerable.Range(0, 12), events.Where(static e => e.Tenant == "msgsize").Select(static e => e.Index).Order());
    }

    [Fact]
    public async Task Post_BatchOfManyMessages_IsWrittenInTwoSendsNotOneAfterAnother()
    {
        // 16 events, four messages. The hub stamps one enqueued time per send (one append): written one after
        // another, each send waiting for the one before, they would carry four.
        var messages = await PostPaddedEventsAsync("msgsends", 16);

        Assert.Equal(4, messages.Count);
        // In the request's order in the partition, and in at most two sends: the first part alone, the others together.
        Assert.Equal([0, 4, 8, 12], messages.OrderBy(static m => m.SequenceNumber).Select(static m => Convert.ToInt32(m.Properties["ep-first-index"], CultureInfo.InvariantCulture)));
        Assert.InRange(messages.Select(static m => m.EnqueuedTime).Distinct().Count(), 1, 2);
    }

    /// <summary>Posts <paramref name="count"/> events of ~15 KiB for a new tenant in one request; returns the tenant's messages in the hub.</summary>
    private async Task<List<EventData>> PostPaddedEventsAsync(string tenant, int count)
    {
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var lines = Enumerable.Range(0, count).Select(i => $"{{\"n\":{i},\"pad\":\"{new string('x', PadBytes)}\"}}");

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(string.Join('\n', lines)), "application/x-ndjson");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var messages = new List<EventData>();
        await StreamReadback.ForEachMessageAsync(pipeline.Silo.EventHubsConnectionString, data =>
        {
            if (data.Properties.TryGetValue("ep-tenant", out var stored) && (string)stored == tenant)
            {
                messages.Add(data);
            }
        });
        return messages;
    }
}
