using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Ingest;

/// <summary><c>Pipeline:Ingest:MaxMessageBytes</c> is read from configuration and bounds every Event Hubs message a batch becomes.</summary>
public sealed class MessageSizeTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    [Fact]
    public async Task Post_BatchOverMaxMessageBytes_IsStoredWholeInMessagesWithinTheSetting()
    {
        var key = await pipeline.Api.CreateTenantAsync("msgsize");
        // 12 events of ~15 KiB: ~180 KiB, within the 256 KiB body limit, about three 64 KiB messages.
        var lines = Enumerable.Range(0, 12).Select(i => $"{{\"n\":{i},\"pad\":\"{new string('x', 15 * 1024)}\"}}").ToList();
        var body = Encoding.UTF8.GetBytes(string.Join('\n', lines));

        using var response = await pipeline.Api.PostAsync(key, body, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var messages = new List<(string Batch, int Bytes)>();
        await StreamReadback.ForEachMessageAsync(pipeline.Silo.EventHubsConnectionString, data =>
        {
            if (data.Properties.TryGetValue("ep-tenant", out var tenant) && (string)tenant == "msgsize")
            {
                messages.Add(((string)data.Properties["ep-batch"], data.EventBody.ToMemory().Length));
            }
        });
        Assert.InRange(messages.Count, 3, 12);
        Assert.All(messages, static m => Assert.InRange(m.Bytes, 1, LocalPipelineFixture.MaxMessageBytes));
        Assert.Single(messages.Select(static m => m.Batch).Distinct());
        var (events, _) = await StreamReadback.ReadAllAsync(pipeline.Silo.EventHubsConnectionString);
        Assert.Equal(Enumerable.Range(0, 12), events.Where(static e => e.Tenant == "msgsize").Select(static e => e.Index).Order());
    }

    [Fact]
    public async Task Post_BatchOfManyMessages_IsWrittenInTwoSendsNotOneAfterAnother()
    {
        var key = await pipeline.Api.CreateTenantAsync("msgsends");
        // 16 events of ~15 KiB: four to a 64 KiB message, four messages. The hub stamps one enqueued time per send
        // (one append): written one after another, each send waiting for the one before, they would carry four.
        var lines = Enumerable.Range(0, 16).Select(i => $"{{\"n\":{i},\"pad\":\"{new string('y', 15 * 1024)}\"}}").ToList();
        var body = Encoding.UTF8.GetBytes(string.Join('\n', lines));

        using var response = await pipeline.Api.PostAsync(key, body, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var messages = new List<(int FirstIndex, long Sequence, DateTimeOffset Enqueued)>();
        await StreamReadback.ForEachMessageAsync(pipeline.Silo.EventHubsConnectionString, data =>
        {
            if (data.Properties.TryGetValue("ep-tenant", out var tenant) && (string)tenant == "msgsends")
            {
                messages.Add((Convert.ToInt32(data.Properties["ep-first-index"], System.Globalization.CultureInfo.InvariantCulture), data.SequenceNumber, data.EnqueuedTime));
            }
        });
        Assert.Equal(4, messages.Count);
        // In the request's order in the partition, and in at most two sends: the first part alone, the others together.
        Assert.Equal([0, 4, 8, 12], messages.OrderBy(static m => m.Sequence).Select(static m => m.FirstIndex));
        Assert.InRange(messages.Select(static m => m.Enqueued).Distinct().Count(), 1, 2);
    }
}
