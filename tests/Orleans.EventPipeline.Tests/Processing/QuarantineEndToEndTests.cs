using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Observability;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// Messages written straight to the hub by another Event Hubs client (the README invites users to read
/// the stream with their own client and the hub's key) while a tenant sends events: every acknowledged
/// event is archived exactly once, and every foreign message is kept whole, exactly once, in the quarantine.
/// Its own silo: the foreign messages would break other tests' read-back of the hub.
/// </summary>
public sealed class QuarantineEndToEndTests : IDisposable
{
    private const string Tenant = "quarantine-e2e";
    private const string Marker = "FOREIGN-";
    private const int Posts = 16;
    private const int EventsPerPost = 25;
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task ForeignAndCorruptMessagesOnEveryPartition_AckedEventsArchivedOnce_ForeignKeptInQuarantine()
    {
        await using var silo = await ProcessingSilo.StartAsync(_data.Path);
        using var api = new PipelineApi(silo.BaseAddress);
        // Four stream keys spread the tenant over the partitions the foreign messages land on.
        var key = await api.CreateTenantAsync(Tenant, new { displayName = Tenant, enabled = true, shardCount = 4 });
        var acked = new List<string>();

        await PostAsync(api, key, 0, Posts / 2, acked);
        var foreign = await WriteForeignMessagesAsync(silo.EventHubsConnectionString);
        await PostAsync(api, key, Posts / 2, Posts, acked);

        var objects = await ArchiveFiles.WaitForAsync(
            Path.Combine(_data.Path, "archive"), Tenant, events => acked.All(new HashSet<string>(events.Select(static e => e.EventId), StringComparer.Ordinal).Contains), TimeSpan.FromSeconds(120));
        var archived = objects.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList();
        var onHub = await ReadForeignFromHubAsync(silo.EventHubsConnectionString);
        var listing = await AdminCalls.WaitForAsync(
            silo.BaseAddress, "/admin/v1/quarantine?limit=1000", json => json.GetProperty("total").GetInt32() >= onHub.Count, TimeSpan.FromSeconds(60));

        Assert.Equal(Posts * EventsPerPost, acked.Count);
        Assert.Equal(archived.Count, archived.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(acked.Except(archived, StringComparer.Ordinal));
        Assert.Equal(foreign, onHub.Count);
        var kept = listing.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(onHub.Count, listing.GetProperty("total").GetInt32());
        Assert.Equal(onHub.Count, kept.Count);
        foreach (var (partition, message) in onHub)
        {
            var match = Assert.Single(kept, k => k.GetProperty("partition").GetString() == partition && k.GetProperty("sequenceNumber").GetInt64() == message.SequenceNumber);
            Assert.Equal(message.OffsetString, match.GetProperty("offset").GetString());
            Assert.Equal(message.Body.ToArray(), match.GetProperty("body").GetBytesFromBase64());
            Assert.Equal(message.Body.Length, match.GetProperty("size").GetInt32());
            Assert.False(match.GetProperty("truncated").GetBoolean());
            Assert.NotEmpty(match.GetProperty("reason").GetString()!);
            foreach (var property in message.Properties)
            {
                Assert.Equal(Convert.ToString(property.Value, System.Globalization.CultureInfo.InvariantCulture), match.GetProperty("properties").GetProperty(property.Key).GetString());
            }
        }

        var (firstPartition, first) = onHub[0];
        Assert.Equal(first.Body.ToArray(), await DownloadAsync(silo.BaseAddress, $"/admin/v1/quarantine/{firstPartition}/{first.SequenceNumber}"));

        // Every one counted, per partition, whatever the log left out.
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };
        var scrape = new PrometheusScrape(await http.GetStringAsync("/metrics"));
        foreach (var partition in onHub.GroupBy(static pair => pair.Partition))
        {
            Assert.Equal(partition.Count(), scrape.Sum("eventpipeline_quarantine_messages_total", ("partition", partition.Key)));
        }
    }

    public void Dispose() => _data.Dispose();

    private static async Task PostAsync(PipelineApi api, string key, int from, int to, List<string> acked)
    {
        for (var post = from; post < to; post++)
        {
            var body = string.Join('\n', Enumerable.Range(0, EventsPerPost).Select(i => $$"""{"message":"post {{post}} event {{i}}","n":{{i}}}"""));
            using var response = await api.PostAsync(key, Encoding.UTF8.GetBytes(body), "application/x-ndjson");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var batch = json.RootElement.GetProperty("batchId").GetString();
            acked.AddRange(Enumerable.Range(0, EventsPerPost).Select(i => $"{batch}:{i}"));
        }
    }

    /// <summary>
    /// With the real SDK producer: on every partition an event with no properties and one with a format
    /// that is not ours; on the tenant's partition (by its partition key) one of our raw format with a
    /// corrupt body and one claiming a tenant stream in Orleans' encoding whose body is not Orleans'.
    /// </summary>
    private static async Task<int> WriteForeignMessagesAsync(string connectionString)
    {
        await using var producer = new EventHubProducerClient(connectionString);
        var sent = 0;
        foreach (var partition in await producer.GetPartitionIdsAsync())
        {
            var bogus = new EventData(Encoding.UTF8.GetBytes($"{Marker}bogus-format-{partition}"));
            bogus.Properties["ep-format"] = "bogus.format.v9";
            bogus.Properties["source"] = "someone else's client";
            await producer.SendAsync([new EventData(Encoding.UTF8.GetBytes($"{Marker}plain-{partition}")), bogus], new SendEventOptions { PartitionId = partition });
            sent += 2;
        }

        // A length prefix of 1,000 bytes in front of 22: the frames run past the body.
        var corruptBody = new byte[4 + Marker.Length + 11];
        BinaryPrimitives.WriteInt32LittleEndian(corruptBody, 1000);
        Encoding.UTF8.GetBytes($"{Marker}corrupt-raw").CopyTo(corruptBody, 4);
        var corruptRaw = ForgedMessages.Raw(Tenant, corruptBody, 1);
        var notOrleans = new EventData(Encoding.UTF8.GetBytes($"{Marker}not-orleans-encoding"));
        notOrleans.Properties["StreamNamespace"] = "tenant-raw";
        await producer.SendAsync([corruptRaw, notOrleans], new SendEventOptions { PartitionKey = Tenant });
        return sent + 2;
    }

    private static async Task<List<(string Partition, EventData Message)>> ReadForeignFromHubAsync(string connectionString)
    {
        var foreign = new List<(string, EventData)>();
        var marker = Encoding.UTF8.GetBytes(Marker);
        await StreamReadback.ForEachMessageAsync(connectionString, (partition, data) =>
        {
            if (data.Body.Span.IndexOf(marker) >= 0)
            {
                foreign.Add((partition, data));
            }
        });
        return foreign;
    }

    private static async Task<byte[]> DownloadAsync(Uri baseAddress, string path)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
