using System.Text;

namespace Orleans.EventPipeline.Tests.Processing;

[Collection(ProcessingSiloGroup.Name)]
public sealed class TenantIsolationEndToEndTests(ProcessingPipelineFixture pipeline)
{
    [Fact]
    public async Task Post_TwoTenantsInterleaved_ArchiveAndDeadLettersNeverMix()
    {
        // TextFormat 1 = Syslog5424, so a plain line is a dead letter of its tenant.
        var keyA = await pipeline.Api.CreateTenantAsync("iso-proc-a", new { displayName = "a", processing = new { normalization = new { textFormat = 1 } } });
        var keyB = await pipeline.Api.CreateTenantAsync("iso-proc-b", new { displayName = "b", processing = new { normalization = new { textFormat = 1 } } });

        for (var round = 0; round < 3; round++)
        {
            using var a = await pipeline.Api.PostAsync(keyA, Encoding.UTF8.GetBytes($"<13>1 2024-05-01T12:00:0{round}Z host-a app - - - from a {round}\nbroken a {round}\n"), "text/plain");
            using var b = await pipeline.Api.PostAsync(keyB, Encoding.UTF8.GetBytes($"<13>1 2024-05-01T12:00:0{round}Z host-b app - - - from b {round}\nbroken b {round}\n"), "text/plain");
            a.EnsureSuccessStatusCode();
            b.EnsureSuccessStatusCode();
        }

        var archiveA = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, "iso-proc-a", static e => e.Count >= 3, TimeSpan.FromSeconds(60));
        var archiveB = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, "iso-proc-b", static e => e.Count >= 3, TimeSpan.FromSeconds(60));
        var lettersA = await AdminCalls.WaitForAsync(pipeline.Silo.BaseAddress, "/admin/v1/tenants/iso-proc-a/deadletters", static j => j.GetProperty("total").GetInt64() >= 3, TimeSpan.FromSeconds(60));
        var lettersB = await AdminCalls.WaitForAsync(pipeline.Silo.BaseAddress, "/admin/v1/tenants/iso-proc-b/deadletters", static j => j.GetProperty("total").GetInt64() >= 3, TimeSpan.FromSeconds(60));

        foreach (var (tenant, archive, letters, mark) in new[] { ("iso-proc-a", archiveA, lettersA, "a"), ("iso-proc-b", archiveB, lettersB, "b") })
        {
            var events = archive.SelectMany(static o => o.Events).ToList();
            Assert.Equal(3, events.Count);
            Assert.All(archive, o => Assert.StartsWith(tenant + "/", o.Name, StringComparison.Ordinal));
            Assert.All(events, e => Assert.Equal(tenant, e.TenantId));
            Assert.All(events, e => Assert.StartsWith($"from {mark} ", e.Body, StringComparison.Ordinal));
            Assert.Equal(3, letters.GetProperty("total").GetInt64());
            Assert.All(letters.GetProperty("recent").EnumerateArray(), l =>
                Assert.StartsWith($"broken {mark} ", Encoding.UTF8.GetString(l.GetProperty("raw").GetBytesFromBase64()), StringComparison.Ordinal));
        }
    }
}
