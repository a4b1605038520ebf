using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Ingest;
using Orleans.EventPipeline.Tests.Processing;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// <c>DELETE /admin/v1/tenants/{id}</c> with each data choice, on the processing silo (archive objects cut
/// after 2 s): the keys stop at once, and the archive and dead letters stay or go as chosen.
/// </summary>
[Collection(ProcessingSiloGroup.Name)]
public sealed class TenantDeleteTests(ProcessingPipelineFixture pipeline)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("keep")]
    [InlineData("remove")]
    public async Task Delete_StopsTheKeysAtOnce_AndKeepsOrRemovesTheArchiveAndDeadLetters(string data)
    {
        var tenant = "delete-" + data;
        // Cef: the second line does not parse and becomes a dead letter; the first is archived.
        var key = await pipeline.Api.CreateTenantAsync(tenant, new { displayName = tenant, processing = new { normalization = new { textFormat = "cef" } } });
        using var posted = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("CEF:0|Acme|Fw|1.0|7|Deny|5|src=10.0.0.1\nnot cef\n"), "text/plain");
        await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static events => events.Count >= 1, Deadline);
        await AdminCalls.WaitForAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters", static json => json.GetProperty("retained").GetInt32() >= 1, Deadline);

        using var deleted = await pipeline.Api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/{tenant}?data={data}", headers: ("If-Match", "\"1\""));
        using var afterDelete = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("CEF:0|Acme|Fw|1.0|7|Late|5|src=10.0.0.2\n"), "text/plain");
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}");
        using var listed = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants?filter={tenant}");
        var archive = await AdminCalls.GetAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/archive");
        var deadLetters = await AdminCalls.GetAsync(pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters");

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var answer = await ContentTypeIngestTests.ReadJsonAsync(deleted);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(data, answer.GetProperty("data").GetString());
        Assert.Equal(1, answer.GetProperty("keysRevoked").GetInt32());
        // Refused at once: 403 from the disabled ingest shards while a gateway still has the key cached, 401 after.
        Assert.True(afterDelete.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, $"a deleted tenant's key was answered {(int)afterDelete.StatusCode}");
        await IngestErrorTests.AssertProblemAsync(read, HttpStatusCode.NotFound, "tenant_not_found", "does not exist");
        Assert.Empty((await ContentTypeIngestTests.ReadJsonAsync(listed)).GetProperty("items").EnumerateArray());
        var objects = archive.GetProperty("objects").GetArrayLength();
        var onDisk = await ArchiveFiles.ReadAsync(pipeline.ArchiveDirectory, tenant);
        if (data == "keep")
        {
            Assert.Equal(0, answer.GetProperty("archiveObjectsRemoved").GetInt32());
            Assert.Equal(0, answer.GetProperty("deadLettersRemoved").GetInt32());
            Assert.True(objects >= 1, "the kept archive is no longer listed");
            Assert.Equal("Deny", Assert.Single(onDisk.SelectMany(static o => o.Events)).Body);
            Assert.Equal(1, deadLetters.GetProperty("retained").GetInt32());
        }
        else
        {
            Assert.True(answer.GetProperty("archiveObjectsRemoved").GetInt32() >= 1);
            Assert.Equal(1, answer.GetProperty("deadLettersRemoved").GetInt32());
            Assert.Equal(0, objects);
            Assert.Empty(onDisk);
            Assert.Equal(0, deadLetters.GetProperty("retained").GetInt32());
            Assert.Equal(0, deadLetters.GetProperty("total").GetInt64());
            var letters = Path.Combine(pipeline.ArchiveDirectory, "_deadletters", tenant);
            Assert.False(Directory.Exists(letters) && Directory.EnumerateFiles(letters).Any(), "dead-letter objects are left");
        }
    }
}
