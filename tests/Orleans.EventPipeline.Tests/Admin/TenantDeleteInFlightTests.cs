using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// A delete of a tenant whose acknowledged events are still in its processor's archive buffer: the silo cuts archive
/// objects only after 30 s, so at the delete (a second after the events' POST) every one of them is held there. With
/// <c>data=remove</c> none of them may reach the archive after it, also not that of a tenant created again under the id
/// (helper-130 measured a deleted tenant's last 22,680 events there); with <c>data=keep</c> they are archived as before.
/// </summary>
public sealed class TenantDeleteInFlightTests(TenantDeleteInFlightTests.HeldArchiveFixture pipeline) : IClassFixture<TenantDeleteInFlightTests.HeldArchiveFixture>
{
    private const int OldEvents = 50;
    private const int NewEvents = 20;

    // The buffer's age of 30 s, then the cut's write, on a busy machine.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task DeleteRemovingData_EventsInTheArchiveBuffer_NeverReachTheArchiveOfTheTenantCreatedAgain()
    {
        var (oldBatch, newBatch, ids) = await DeleteUnderOldEventsAndCreateAgainAsync("inflight-remove", "remove");

        Assert.DoesNotContain(ids, id => id.StartsWith(oldBatch, StringComparison.Ordinal));
        Assert.Equal(NewEvents, ids.Count);
        Assert.Equal(NewEvents, ids.Distinct().Count());
        Assert.All(ids, id => Assert.StartsWith(newBatch, id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeleteKeepingData_EventsInTheArchiveBuffer_AreArchivedAfterIt_OnceEach()
    {
        var (oldBatch, _, ids) = await DeleteUnderOldEventsAndCreateAgainAsync("inflight-keep", "keep");

        Assert.Equal(OldEvents + NewEvents, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(OldEvents, ids.Count(id => id.StartsWith(oldBatch, StringComparison.Ordinal)));
    }

    /// <summary>
    /// Posts old events, deletes the tenant with <paramref name="data"/> while they sit in the archive buffer, creates it
    /// again and posts new ones; returns both batches' event id prefixes and every event id archived once the new ones are.
    /// </summary>
    private async Task<(string OldBatch, string NewBatch, List<string> Ids)> DeleteUnderOldEventsAndCreateAgainAsync(string tenant, string data)
    {
        var oldKey = await pipeline.Api.CreateTenantAsync(tenant);
        var oldBatch = await PostAsync(oldKey, "old", OldEvents);

        using var deleted = await pipeline.Api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/{tenant}?data={data}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var newKey = await pipeline.Api.CreateTenantAsync(tenant);
        var newBatch = await PostAsync(newKey, "new", NewEvents);

        // The new events are archived after the old ones would have been (one stream, in order): once they are all there,
        // whatever of the old was going to appear has.
        var objects = await ArchiveFiles.WaitForAsync(
            pipeline.ArchiveDirectory, tenant, events => events.Count(e => e.EventId.StartsWith(newBatch, StringComparison.Ordinal)) >= NewEvents, Deadline, Describe);
        return (oldBatch, newBatch, objects.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList());
    }

    /// <summary>Posts <paramref name="count"/> text events; returns the answer's batch id as event ids begin (<c>{id:N}:</c>).</summary>
    private async Task<string> PostAsync(string key, string label, int count)
    {
        var body = string.Concat(Enumerable.Range(0, count).Select(i => $"{label} event {i}\n"));
        using var posted = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(body), "text/plain");
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        using var answer = JsonDocument.Parse(await posted.Content.ReadAsStringAsync());
        Assert.Equal(count, answer.RootElement.GetProperty("accepted").GetInt32());
        return answer.RootElement.GetProperty("batchId").GetString()!.Replace("-", "", StringComparison.Ordinal) + ":";
    }

    private static string Describe(IReadOnlyList<Events.NormalizedEvent> events) =>
        "Batches archived: " + string.Join(", ", events.GroupBy(static e => e.EventId[..e.EventId.IndexOf(':', StringComparison.Ordinal)]).Select(static g => $"{g.Key} x{g.Count()}"));

    /// <summary>
    /// The processing silo with archive objects cut only after 30 s, and the tenant's settings read again only every 2
    /// minutes: a processor that reads new settings (the delete's disable) writes its buffer first, which would cut it
    /// early. So a test's events are held in the buffer for 30 s from their delivery.
    /// </summary>
    public sealed class HeldArchiveFixture : SiloPipelineFixture
    {
        internal string ArchiveDirectory => Path.Combine(DataDirectory, "archive");

        private protected override Task<SiloProcess> StartSiloAsync(string dataDirectory) =>
            ProcessingSilo.StartAsync(dataDirectory, "--Pipeline:Archive:MaxAge=00:00:30", "--Pipeline:Processing:SettingsRefreshInterval=00:02:00");
    }
}
