using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A message in our own format with a tenant's partition key, written by another client straight to a
/// partition that is not the key's: positions are per partition, so the processor must never see it
/// (it would compare sequence numbers of two logs and skip the tenant's real batches).
/// </summary>
public sealed class WrongPartitionTests : IDisposable
{
    private const string Tenant = "t3";
    private const int Posts = 5;
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task WellFormedMessageOnAnotherPartition_Quarantined_TenantsBatchesAllArchived()
    {
        await using var silo = await ProcessingSilo.StartAsync(_data.Path);
        using var api = new PipelineApi(silo.BaseAddress);
        var key = await api.CreateTenantAsync(Tenant);

        // High sequence numbers first, on every partition: one of them is the key's own.
        int partitions;
        await using (var producer = new EventHubProducerClient(silo.EventHubsConnectionString))
        {
            var ids = await producer.GetPartitionIdsAsync();
            partitions = ids.Length;
            foreach (var partition in ids)
            {
                var batch = new List<EventData>();
                for (var i = 0; i < 20; i++)
                {
                    batch.Add(Forged(partition, i));
                }

                await producer.SendAsync(batch, new SendEventOptions { PartitionId = partition });
            }
        }

        var acked = new List<string>();
        for (var post = 0; post < Posts; post++)
        {
            using var response = await api.PostAsync(key, Encoding.UTF8.GetBytes($$"""{"message":"genuine {{post}}"}"""), "application/x-ndjson");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            acked.Add($"{json.RootElement.GetProperty("batchId").GetString()}:0");
        }

        var objects = await ArchiveFiles.WaitForAsync(
            Path.Combine(_data.Path, "archive"), Tenant, events => acked.All(events.Select(static e => e.EventId).ToHashSet().Contains), TimeSpan.FromSeconds(60));
        var archived = objects.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList();
        Assert.Equal(archived.Count, archived.Distinct().Count());
        var quarantine = await AdminCalls.WaitForAsync(
            silo.BaseAddress, "/admin/v1/quarantine?limit=1000", json => json.GetProperty("total").GetInt32() >= (partitions - 1) * 20, TimeSpan.FromSeconds(60));
        Assert.Equal((partitions - 1) * 20, quarantine.GetProperty("total").GetInt32());
        Assert.All(quarantine.GetProperty("messages").EnumerateArray(), m => Assert.Contains("belongs to partition", m.GetProperty("reason").GetString(), StringComparison.Ordinal));
    }

    public void Dispose() => _data.Dispose();

    /// <summary>A valid raw batch of one event, with the tenant's partition key but sent to <paramref name="partition"/>.</summary>
    private static EventData Forged(string partition, int n)
    {
        var payload = Encoding.UTF8.GetBytes($$"""{"message":"forged {{partition}}/{{n}}"}""");
        var body = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(body, payload.Length);
        payload.CopyTo(body, 4);
        var message = ForgedMessages.Raw(Tenant, body, 1);
        message.GetRawAmqpMessage().MessageAnnotations["x-opt-partition-key"] = Tenant;
        return message;
    }
}
