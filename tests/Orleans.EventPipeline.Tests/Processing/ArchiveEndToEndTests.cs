using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Tests.Processing;

[Collection(ProcessingSiloGroup.Name)]
public sealed class ArchiveEndToEndTests(ProcessingPipelineFixture pipeline)
{
    [Fact]
    public async Task Post_ShuffledEventsWithLookupTable_ArchivedNormalizedEnrichedInEventTimeOrder()
    {
        const string tenant = "arch-e2e";
        var key = await pipeline.Api.CreateTenantAsync(tenant, new
        {
            displayName = tenant,
            processing = new
            {
                enrichment = new
                {
                    staticFields = new Dictionary<string, string> { ["env"] = "prod" },
                    lookupTables = new[] { new { name = "assets", content = "host,owner,tier\nweb-1,team-a,gold\nweb-2,team-b,silver\n", matchField = "host.name", keyColumn = "host" } },
                },
            },
        });
        var start = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        int[] order = [3, 0, 4, 1, 2, 5];
        var body = string.Join('\n', order.Select(i =>
            $$"""{"timestamp":"{{start.AddSeconds(i):O}}","level":"warn","message":"event {{i}}","host":"web-{{(i % 2) + 1}}","n":{{i}}}"""));

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(body), "application/x-ndjson");
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, events => events.Count >= order.Length, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var archived = Assert.Single(objects).Events;
        Assert.Equal([0, 1, 2, 3, 4, 5], archived.Select(static e => (int)e.Attributes["n"].IntValue));
        Assert.All(archived, e =>
        {
            Assert.Equal(tenant, e.TenantId);
            Assert.Equal(SourceFormat.Json, e.Format);
            Assert.Equal(13, e.SeverityNumber);
            Assert.Equal("prod", e.Attributes["env"].Text);
            var host = e.Resource["host.name"];
            Assert.Equal(host == "web-1" ? "team-a" : "team-b", e.Attributes["lookup.assets.owner"].Text);
        });
        Assert.Equal(start, archived[0].Timestamp);
    }

    [Fact]
    public async Task ArchiveEndpoint_TimeRange_ListsTheTenantsObjects()
    {
        const string tenant = "arch-list";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var time = new DateTimeOffset(2024, 6, 2, 8, 30, 0, TimeSpan.Zero);

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes($$"""{"timestamp":"{{time:O}}","message":"x"}"""), "application/x-ndjson");
        var listing = await AdminCalls.WaitForAsync(
            pipeline.Silo.BaseAddress,
            $"/admin/v1/tenants/{tenant}/archive?from=2024-06-02T08:00:00Z&to=2024-06-02T09:00:00Z",
            static json => json.GetProperty("objects").GetArrayLength() > 0,
            TimeSpan.FromSeconds(60));
        var outside = await AdminCalls.GetAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/archive?from=2024-06-03T08:00:00Z&to=2024-06-03T09:00:00Z");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = Assert.Single(listing.GetProperty("objects").EnumerateArray());
        Assert.StartsWith($"{tenant}/2024/06/02/08/{tenant}-", item.GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.Equal(tenant, item.GetProperty("streamKey").GetString());
        Assert.Equal(0, outside.GetProperty("objects").GetArrayLength());
        Assert.Equal(JsonValueKind.Number, item.GetProperty("lastSequence").ValueKind);
    }

    /// <summary>
    /// An event stamped with a leap second is archived at the last tick of :59, and the listing from that leap second,
    /// a 400 before (helper-123), starts at that same instant and lists the event's object.
    /// </summary>
    [Fact]
    public async Task ArchiveEndpoint_FromTheLeapSecondAnEventIsStampedWith_StartsAtItsArchivedTimeAndListsIt()
    {
        const string tenant = "arch-leap";
        var key = await pipeline.Api.CreateTenantAsync(tenant);

        using var response = await pipeline.Api.PostAsync(key, """{"timestamp":"2016-12-31T23:59:60Z","message":"leap"}"""u8.ToArray(), "application/x-ndjson");
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static events => events.Count >= 1, TimeSpan.FromSeconds(60));
        var listing = await AdminCalls.GetAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/archive?from=2016-12-31T23:59:60Z&to=2017-01-01T00:00:00Z");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var archived = Assert.Single(objects);
        var leap = Assert.Single(archived.Events);
        Assert.Equal(new DateTimeOffset(2016, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(TimeSpan.TicksPerSecond - 1), leap.Timestamp);
        Assert.Equal(leap.Timestamp, listing.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(archived.Name, Assert.Single(listing.GetProperty("objects").EnumerateArray()).GetProperty("name").GetString());
    }
}
