using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Delivery;

/// <summary>
/// A batch split after a 413 whose first part the gateway stored, then the client stopped (a crash: the batch stays
/// spooled), then the gateway's body limit raised by its operator before the client started again. The restarted
/// client sent the batch whole under its own key, which the gateway had never stored and now took: the first part's
/// events were stored twice.
/// </summary>
public sealed class SplitAcrossRestartTests(ITestOutputHelper output) : IDisposable
{
    private const string Tenant = "split-restart";
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task FirstPartStored_ClientStops_BodyLimitRaised_RestartSendsTheSameParts_EveryEventStoredOnce()
    {
        var data = Path.Combine(_dir.Path, "silo");
        var spool = Path.Combine(_dir.Path, "spool");
        // 8 events of 3 KB, uncompressed: the batch (24 KB) and its halves (12 KB) are over 8 KiB, its quarters (6 KB) are not.
        ReadOnlyMemory<byte>[] events = [.. Enumerable.Range(0, 8).Select(static i =>
            (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"n\":\"{NumberedEvents.Name("s", i)}\",\"pad\":\"{new string('x', 3000)}\"}}"))];

        // The network goes down at the first 200, the first quarter's: the second quarter is retried (503), never stored.
        var before = new RecordingHandler { GoesDownAfter = static a => a.Status == HttpStatusCode.OK };
        string key;
        await using (var small = await ArchivingSilo.StartAsync(data, ["--Pipeline:Gateway:MaxBodyBytes=8192"]))
        {
            key = await small.Api.CreateTenantAsync(Tenant);
            await using var client = new EventPipelineClient(Options(small.Url, key, spool), handler: before);
            client.Start();
            await client.SendAsync(events);
            await client.FlushAsync();
            await Poll.UntilAsync(() => before.Attempts.Any(static a => a.Status == HttpStatusCode.ServiceUnavailable), TimeSpan.FromSeconds(60), () => Describe(before));
        }

        output.WriteLine(Describe(before));
        Assert.Equal([HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.OK], before.Attempts.Take(3).Select(static a => a.Status));
        var whole = before.Attempts.First().Key;

        // The same data, the default body limit (10 MiB): the whole batch would now be taken.
        await using var large = await ArchivingSilo.StartAsync(data);
        var after = new RecordingHandler();
        await using (var client = new EventPipelineClient(Options(large.Url, key, spool), handler: after))
        {
            Assert.Equal(1, client.Recovery.Batches);
            client.Start();
            await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        output.WriteLine(Describe(after));
        // Sent as the parts it was split into, under their keys: the first quarter answered from the gateway's record.
        Assert.DoesNotContain(after.Attempts, a => a.Key == whole);
        Assert.Equal(events.Length, Stored(before) + Stored(after));
        var archived = await large.ArchivedAsync(Tenant, events.Length, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived(Tenant, NumberedEvents.Names("s", 0, events.Length), archived, output);
        // The record of the split went with the batch.
        Assert.Empty(Directory.EnumerateFiles(spool, "*.split"));
    }

    private static EventPipelineClientOptions Options(Uri endpoint, string key, string spool)
    {
        var options = TestClients.Options(endpoint, key, spool);
        options.Compress = false;
        return options;
    }

    /// <summary>Events the gateway stored by its answers: accepted in a 200 that is not a replay of an earlier one.</summary>
    private static int Stored(RecordingHandler handler) => handler.Attempts
        .Where(static a => a.Status == HttpStatusCode.OK)
        .Select(static a => JsonDocument.Parse(a.Body).RootElement)
        .Where(static answer => !(answer.TryGetProperty("replayed", out var replayed) && replayed.GetBoolean()))
        .Sum(static answer => answer.GetProperty("accepted").GetInt32());

    private static string Describe(RecordingHandler handler) =>
        string.Join(Environment.NewLine, handler.Attempts.Select(static a => $"{a.Key} {(int?)a.Status} {a.Body}"));

    public void Dispose() => _dir.Dispose();
}
