using Orleans.EventPipeline.Client.Spool;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>
/// The crash window the idempotency key is for: the gateway stored a batch and answered, and the client died before
/// its head moved past it. At the next start the batch is sent again, under the same key, and stored once.
/// </summary>
[Collection(SharedSiloGroup.Name)]
public sealed class ResendAfterCrashTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private const string Tenant = "resend";
    private readonly TempDirectory _spool = new();

    [Fact]
    public async Task BatchStoredButNotRemoved_IsSentAgainUnderItsKey_AndArchivedOnce()
    {
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(Tenant);
        var options = TestClients.Options(silo.Url, key, _spool.Path);
        await using (var first = new EventPipelineClient(options))
        {
            await first.SendAsync(NumberedEvents.Make("x", 0, 100));
        }

        // The attempt the crashed client made: its spooled record, posted as BatchSender posts it, and acknowledged.
        var record = await File.ReadAllBytesAsync(Directory.EnumerateFiles(_spool.Path, "*.seg").Single());
        Assert.True(SpoolRecordCodec.TryMeasure(record, out var length, out _));
        var batch = SpoolRecordCodec.Decode(record.AsSpan(0, length));
        using (var stored = await silo.Api.PostAsync(key, batch.Body, "application/x-ndjson", "gzip", batch.Key))
        {
            Assert.True(stored.IsSuccessStatusCode, await stored.Content.ReadAsStringAsync());
        }

        var handler = new RecordingHandler();
        await using var restarted = new EventPipelineClient(options, handler: handler);
        Assert.Equal(1, restarted.Recovery.Batches);
        restarted.Start();
        await restarted.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        // Sent again under the batch's own key, and answered from the gateway's idempotency record: not stored again.
        var resent = Assert.Single(handler.Attempts);
        Assert.Equal(batch.Key, resent.Key);
        Assert.Contains("\"replayed\":true", resent.Body, StringComparison.Ordinal);
        Assert.Equal(0, restarted.Statistics.SpooledBatches);
        var archived = await silo.ArchivedAsync(Tenant, 100, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived(Tenant, NumberedEvents.Names("x", 0, 100), archived, output);
    }

    public void Dispose() => _spool.Dispose();
}
