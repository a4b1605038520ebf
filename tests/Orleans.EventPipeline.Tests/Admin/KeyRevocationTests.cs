using System.Net;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Tenants;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Ingest;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Testing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// Revoke and delete take effect at the very next request although the gateway caches keys for 30 s: the
/// tenant's ingest shards know its active keys and refuse the rest, whatever a gateway cached.
/// </summary>
public sealed class KeyRevocationTests(CachedKeysPipelineFixture pipeline) : IClassFixture<CachedKeysPipelineFixture>
{
    private static readonly byte[] OneEvent = "{\"a\":1}\n"u8.ToArray();

    [Fact]
    public async Task Revoke_WithTheDefaultKeyCache_TheNextRequestIs401()
    {
        var key = await pipeline.Api.CreateTenantAsync("revoke-cached");
        var keyId = await KeyIdAsync("revoke-cached");

        using var cached = await pipeline.Api.PostAsync(key, OneEvent, "application/x-ndjson");
        using var revoke = await pipeline.Api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/revoke-cached/keys/{keyId}");
        using var next = await pipeline.Api.PostAsync(key, OneEvent, "application/x-ndjson");
        using var after = await pipeline.Api.PostAsync(key, OneEvent, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await IngestErrorTests.AssertProblemAsync(next, HttpStatusCode.Unauthorized, "unauthorized", "API key");
        await IngestErrorTests.AssertProblemAsync(after, HttpStatusCode.Unauthorized, "unauthorized", "API key");
    }

    [Fact]
    public async Task Rotate_WithTheDefaultKeyCache_OldKeyWorksUntilRevoked()
    {
        var old = await pipeline.Api.CreateTenantAsync("rotate-cached");
        var oldId = await KeyIdAsync("rotate-cached");

        using var rotated = await pipeline.Api.AdminAsync(HttpMethod.Post, $"/admin/v1/tenants/rotate-cached/keys/{oldId}/rotate");
        var fresh = (await ContentTypeIngestTests.ReadJsonAsync(rotated)).GetProperty("apiKey").GetString()!;
        using var oldBefore = await pipeline.Api.PostAsync(old, OneEvent, "application/x-ndjson");
        using var freshBefore = await pipeline.Api.PostAsync(fresh, OneEvent, "application/x-ndjson");
        using var revoke = await pipeline.Api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/rotate-cached/keys/{oldId}");
        using var oldAfter = await pipeline.Api.PostAsync(old, OneEvent, "application/x-ndjson");
        using var freshAfter = await pipeline.Api.PostAsync(fresh, OneEvent, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, oldBefore.StatusCode);
        Assert.Equal(HttpStatusCode.OK, freshBefore.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await IngestErrorTests.AssertProblemAsync(oldAfter, HttpStatusCode.Unauthorized, "unauthorized", "API key");
        Assert.Equal(HttpStatusCode.OK, freshAfter.StatusCode);
    }

    [Fact]
    public async Task DeleteAndRecreate_WithTheDefaultKeyCache_TheOldKeyIs401AndANewKeyWorks()
    {
        var old = await pipeline.Api.CreateTenantAsync("recreated");

        using var cached = await pipeline.Api.PostAsync(old, OneEvent, "application/x-ndjson");
        using var delete = await pipeline.Api.AdminAsync(HttpMethod.Delete, "/admin/v1/tenants/recreated?data=keep");
        var fresh = await pipeline.Api.CreateTenantAsync("recreated");
        using var oldAfter = await pipeline.Api.PostAsync(old, OneEvent, "application/x-ndjson");
        using var freshAfter = await pipeline.Api.PostAsync(fresh, OneEvent, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        await IngestErrorTests.AssertProblemAsync(oldAfter, HttpStatusCode.Unauthorized, "unauthorized", "API key");
        Assert.Equal(HttpStatusCode.OK, freshAfter.StatusCode);
    }

    /// <summary>A HEC ack query reaches no ingest shard: the gateway that revoked the key drops it from its cache at once.</summary>
    [Fact]
    public async Task Revoke_WithTheDefaultKeyCache_AHecAckQueryIsRefusedNext()
    {
        var key = await pipeline.Api.CreateTenantAsync("revoke-ack");
        var keyId = await KeyIdAsync("revoke-ack");
        var channel = Guid.NewGuid();

        using var cached = await AckQueryAsync(key, channel);
        using var revoke = await pipeline.Api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/revoke-ack/keys/{keyId}");
        using var next = await AckQueryAsync(key, channel);

        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, next.StatusCode);
        Assert.Equal(4, (await ContentTypeIngestTests.ReadJsonAsync(next)).GetProperty("code").GetInt32());
    }

    private async Task<HttpResponseMessage> AckQueryAsync(string key, Guid channel)
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/services/collector/ack?channel={channel}")
        {
            Content = new StringContent("{\"acks\":[0]}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", $"Splunk {key}");
        return await http.SendAsync(request);
    }

    /// <summary>What another gateway does with the key still in its cache: sends the batch with the key's hash to a shard.</summary>
    [Fact]
    public async Task Revoke_AShardRefusesTheKeyFromAGatewayThatStillHasItCached()
    {
        var key = await pipeline.Api.CreateTenantAsync("revoke-shard");
        var keyId = await KeyIdAsync("revoke-shard");
        await using var client = await SiloClient.ConnectAsync(pipeline.Silo);
        var shard = client.Client.GetGrain<ITenantIngestGrain>(StreamKeys.ForShard("revoke-shard", 0));
        var frames = GatewayFrames.Of(["{\"a\":1}"]);
        var batch = new IngestBatch(EventKind.Json, 1, frames, [], frames.Length) { KeyHash = ApiKeySecret.Hash(key) };

        var before = await shard.IngestAsync(batch);
        using var revoke = await pipeline.Api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/revoke-shard/keys/{keyId}");
        var after = await shard.IngestAsync(batch);

        Assert.Equal(IngestOutcome.Stored, before.Outcome);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(IngestOutcome.KeyRevoked, after.Outcome);
    }

    /// <summary>
    /// A shard past a lowered shard count is still reached (a keyed retry goes to its first attempt's shard, a gateway
    /// keeps the old count for its cache period), so keys and deletes reach it too, and so do the keys of the tenant
    /// created again with fewer shards: its retries to the old tenant's higher shards are stored, not refused.
    /// </summary>
    [Fact]
    public async Task LowerTheShardCount_ThenIssueRevokeDeleteAndCreateAgain_TheShardsPastTheCountFollow()
    {
        const string tenant = "fewer-shards";
        var first = await pipeline.Api.CreateTenantAsync(tenant, new { displayName = tenant, enabled = true, shardCount = 8 });
        var firstId = await KeyIdAsync(tenant);
        await using var client = await SiloClient.ConnectAsync(pipeline.Silo);
        var last = client.Client.GetGrain<ITenantIngestGrain>(StreamKeys.ForShard(tenant, 7));
        var frames = GatewayFrames.Of(["{\"a\":1}"]);
        Task<IngestResult> SendThroughAsync(string key) =>
            last.IngestAsync(new IngestBatch(EventKind.Json, 1, frames, [], frames.Length) { KeyHash = ApiKeySecret.Hash(key) });

        using var lowered = await pipeline.Api.PutTenantAsync(tenant, new { displayName = tenant, enabled = true, shardCount = 1 });
        using var issued = await pipeline.Api.AdminAsync(HttpMethod.Post, $"/admin/v1/tenants/{tenant}/keys", "{\"name\":\"second\"}");
        var second = (await ContentTypeIngestTests.ReadJsonAsync(issued)).GetProperty("apiKey").GetString()!;
        using var revoked = await pipeline.Api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/{tenant}/keys/{firstId}");
        var firstAfterRevoke = await SendThroughAsync(first);
        var secondAfterIssue = await SendThroughAsync(second);
        using var deleted = await pipeline.Api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/{tenant}?data=keep");
        var secondAfterDelete = await SendThroughAsync(second);
        var third = await pipeline.Api.CreateTenantAsync(tenant, new { displayName = tenant, enabled = true, shardCount = 1 });
        var thirdAfterCreate = await SendThroughAsync(third);

        Assert.Equal(HttpStatusCode.OK, lowered.StatusCode);
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(IngestOutcome.KeyRevoked, firstAfterRevoke.Outcome);
        Assert.Equal(IngestOutcome.Stored, secondAfterIssue.Outcome);
        Assert.Equal(IngestOutcome.KeyRevoked, secondAfterDelete.Outcome);
        Assert.Equal(IngestOutcome.Stored, thirdAfterCreate.Outcome);
    }

    /// <summary>
    /// An Idempotency-Key's answer is about events: once a delete removed them (data=remove), a retry of the key stores
    /// them again, under their first ids, in the tenant created again, and they are archived once; before the create it
    /// meets the deleted tenant's refusal. With data=keep the events are still there, and the retry is answered from
    /// the record.
    /// </summary>
    [Fact]
    public async Task DeleteThenCreateAgain_ARetriedIdempotencyKeyIsStoredAgainOnlyWhenTheDataWasRemoved()
    {
        var body = "{\"n\":\"once\"}\n"u8.ToArray();
        // With a line the gateway rejects: its dead letter goes with the data, and comes back with the retry.
        var withLetter = "{\"n\":\"once\"}\nnot json\n"u8.ToArray();
        var removed = await pipeline.Api.CreateTenantAsync("idem-removed");
        var kept = await pipeline.Api.CreateTenantAsync("idem-kept");
        var firstRemoved = await StoredAsync(removed, body, "key-1");
        var lettered = await StoredAsync(removed, withLetter, "key-2");
        var firstKept = await StoredAsync(kept, body, "key-1");
        // Archived before the delete, so that data=remove has them to delete.
        await ArchivedUntilAsync("idem-removed", ids => ids.Order().SequenceEqual(new[] { firstRemoved.EventId, lettered.EventId }.Order()));
        await ArchivedUntilAsync("idem-kept", ids => ids.SequenceEqual([firstKept.EventId]));
        await DeadLettersUntilAsync("idem-removed", 1);

        using var deleteRemoved = await pipeline.Api.AdminAsync(HttpMethod.Delete, "/admin/v1/tenants/idem-removed?data=remove");
        using var deleteKept = await pipeline.Api.AdminAsync(HttpMethod.Delete, "/admin/v1/tenants/idem-kept?data=keep");
        var emptied = await ArchivedUntilAsync("idem-removed", static _ => true);
        // What another gateway, with the old key still cached, does with the retry: hands it to the key's grain. Before
        // the fix that answered "stored, replayed" from its record, about events just deleted.
        await using var client = await SiloClient.ConnectAsync(pipeline.Silo);
        var frames = GatewayFrames.Of(["{\"n\":\"once\"}"]);
        var beforeCreate = await client.Client.GetGrain<IIdempotentIngestGrain>("idem-removed/key-1")
            .IngestOnceAsync(new IngestBatch(EventKind.Json, 1, frames, [], body.Length) { KeyHash = ApiKeySecret.Hash(removed) }, 1);
        var removedAgain = await pipeline.Api.CreateTenantAsync("idem-removed");
        var keptAgain = await pipeline.Api.CreateTenantAsync("idem-kept");
        var retriedRemoved = await StoredAsync(removedAgain, body, "key-1");
        var retriedLettered = await StoredAsync(removedAgain, withLetter, "key-2");
        var retriedKept = await StoredAsync(keptAgain, body, "key-1");

        Assert.Equal(HttpStatusCode.OK, deleteRemoved.StatusCode);
        Assert.True((await ContentTypeIngestTests.ReadJsonAsync(deleteRemoved)).GetProperty("archiveObjectsRemoved").GetInt32() >= 1);
        Assert.Empty(emptied);
        Assert.Equal(HttpStatusCode.OK, deleteKept.StatusCode);
        Assert.Equal(IngestOutcome.KeyRevoked, beforeCreate.Outcome);
        Assert.False(retriedRemoved.Replayed);
        Assert.True(retriedKept.Replayed);
        Assert.Equal(firstKept.EventId, retriedKept.EventId);
        // The first copies went with the data; the retries' are archived, once, under the events' first ids.
        Assert.Equal(firstRemoved.EventId, retriedRemoved.EventId);
        Assert.Equal(lettered.EventId, retriedLettered.EventId);
        await ArchivedUntilAsync("idem-removed", ids => ids.Order().SequenceEqual(new[] { firstRemoved.EventId, lettered.EventId }.Order()));
        Assert.Equal([firstKept.EventId], await ArchivedUntilAsync("idem-kept", static _ => true));
        // Before the dead-letter grain forgot its keyed repeats with the letters, the retry's letter was dropped as one.
        await DeadLettersUntilAsync("idem-removed", 1);
    }

    /// <summary>
    /// A delete with data=remove that stopped after its first step (its archive store failed, say) leaves the tenant
    /// disabled: it is not enabled, nor deleted keeping its data, until that delete is repeated, and a retried key gets
    /// the disabled tenant's refusal meanwhile, not an answer about events that may be gone. The repeated delete
    /// finishes, and the retry in the tenant created again is stored under its first id and archived once.
    /// </summary>
    [Fact]
    public async Task ADataRemovalThatStoppedPartWay_KeepsTheTenantDisabledUntilTheDeleteIsRepeated()
    {
        const string tenant = "idem-half";
        var body = "{\"n\":\"half\"}\n"u8.ToArray();
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var first = await StoredAsync(key, body, "key-1");
        await ArchivedUntilAsync(tenant, ids => ids.Contains(first.EventId));
        await using var client = await SiloClient.ConnectAsync(pipeline.Silo);

        // What the delete did before it stopped: its first step, nothing removed yet.
        var begun = await client.Client.GetGrain<ITenantGrain>(tenant).BeginDataRemovalAsync(TenantCondition.None);
        using var enable = await pipeline.Api.AdminAsync(HttpMethod.Post, $"/admin/v1/tenants/{tenant}/enable");
        using var put = await pipeline.Api.PutTenantAsync(tenant, new { displayName = tenant, enabled = true });
        using var keep = await pipeline.Api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/{tenant}?data=keep");
        using var retriedMeanwhile = await pipeline.Api.PostAsync(key, body, "application/x-ndjson", idempotencyKey: "key-1");
        using var repeated = await pipeline.Api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/{tenant}?data=remove");
        var again = await pipeline.Api.CreateTenantAsync(tenant);
        var retried = await StoredAsync(again, body, "key-1");
        using var after = await pipeline.Api.PostAsync(again, "{\"n\":\"after\"}\n"u8.ToArray(), "application/x-ndjson");
        var afterId = (await ContentTypeIngestTests.ReadJsonAsync(after)).GetProperty("firstEventId").GetString()!;
        var archived = await ArchivedUntilAsync(tenant, ids => ids.Contains(afterId));

        Assert.Equal(TenantChangeOutcome.Done, begun.Outcome);
        await IngestErrorTests.AssertProblemAsync(enable, HttpStatusCode.Conflict, "data_removal_unfinished", "?data=remove");
        await IngestErrorTests.AssertProblemAsync(put, HttpStatusCode.Conflict, "data_removal_unfinished", "?data=remove");
        await IngestErrorTests.AssertProblemAsync(keep, HttpStatusCode.Conflict, "data_removal_unfinished", "?data=remove");
        Assert.Equal(HttpStatusCode.Forbidden, retriedMeanwhile.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.False(retried.Replayed);
        Assert.Equal(first.EventId, retried.EventId);
        Assert.Equal(1, archived.Count(id => id == first.EventId));
    }

    private async Task DeadLettersUntilAsync(string tenantId, long total) =>
        await AdminCalls.WaitForAsync(
            pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenantId}/deadletters", json => json.GetProperty("total").GetInt64() == total, TimeSpan.FromSeconds(120));

    /// <summary>
    /// A delete does not wait for the processors: a batch acknowledged just before data=remove can be archived after it.
    /// The key's retry in the tenant created again must then not archive the events a second time.
    /// </summary>
    [Fact]
    public async Task RemoveDataBeforeTheProcessorsArchivedABatch_ThenRetryItsKey_TheEventsAreArchivedOnce()
    {
        var body = "{\"n\":\"late\"}\n"u8.ToArray();
        var old = await pipeline.Api.CreateTenantAsync("idem-late");
        var first = await StoredAsync(old, body, "key-1");
        using var delete = await pipeline.Api.AdminAsync(HttpMethod.Delete, "/admin/v1/tenants/idem-late?data=remove");
        var again = await pipeline.Api.CreateTenantAsync("idem-late");
        var retried = await StoredAsync(again, body, "key-1");
        // Without a key: the tenant's next shard, the one shard the keyed retry went to too, so once this one is
        // archived every earlier batch of the shard's stream has been handled.
        using var after = await pipeline.Api.PostAsync(again, "{\"n\":\"after\"}\n"u8.ToArray(), "application/x-ndjson");
        var afterId = (await ContentTypeIngestTests.ReadJsonAsync(after)).GetProperty("firstEventId").GetString()!;

        var archived = await ArchivedUntilAsync("idem-late", ids => ids.Contains(afterId));

        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(first.EventId, retried.EventId);
        // Whether the first copy was archived before the delete (and went with it) or after: one copy either way.
        Assert.Equal(1, archived.Count(id => id == first.EventId));
    }

    private async Task<(string EventId, bool Replayed)> StoredAsync(string key, byte[] body, string idempotencyKey)
    {
        using var response = await pipeline.Api.PostAsync(key, body, "application/x-ndjson", idempotencyKey: idempotencyKey);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var answer = await ContentTypeIngestTests.ReadJsonAsync(response);
        return (answer.GetProperty("firstEventId").GetString()!, answer.GetProperty("replayed").GetBoolean());
    }

    /// <summary>The ids of the tenant's archived events once <paramref name="done"/> holds for them (the shared poll, which waits out a supersede).</summary>
    private async Task<List<string>> ArchivedUntilAsync(string tenantId, Func<List<string>, bool> done)
    {
        static List<string> Ids(IEnumerable<NormalizedEvent> events) => events.Select(static e => e.EventId).ToList();
        var objects = await ArchiveFiles.WaitForAsync(
            Path.Combine(pipeline.DataDirectory, "archive"), tenantId, events => done(Ids(events)), TimeSpan.FromSeconds(120), events => string.Join(", ", Ids(events)));
        return Ids(objects.SelectMany(static o => o.Events));
    }

    private async Task<string> KeyIdAsync(string tenantId)
    {
        using var list = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenantId}/keys");
        return Assert.Single((await ContentTypeIngestTests.ReadJsonAsync(list)).GetProperty("keys").EnumerateArray()).GetProperty("keyId").GetString()!;
    }
}
