using System.Text;

namespace Orleans.EventPipeline.Tests.Processing;

[Collection(ProcessingSiloGroup.Name)]
public sealed class FailedLoginDetectionTests(ProcessingPipelineFixture pipeline)
{
    [Fact]
    public async Task Post_ThresholdFailedLoginsOfOneUser_SampleGrainRaisesOneAlert()
    {
        const string tenant = "detect";
        var key = await pipeline.Api.CreateTenantAsync(tenant, new { displayName = tenant, processing = new { ordering = new { enabled = true, latenessWindow = "00:00:01" } } });
        var start = new DateTimeOffset(2024, 5, 1, 9, 0, 0, TimeSpan.Zero);
        string Login(int second, string user, string outcome) =>
            $$$"""{"timestamp":"{{{start.AddSeconds(second):O}}}","message":"login","event":{"action":"login","outcome":"{{{outcome}}}"},"user":{"name":"{{{user}}}"}}""";
        // ann fails 3 times within 20 s (the sample silo's threshold is 3); bob fails twice and succeeds once.
        var body = string.Join('\n', Login(0, "ann", "failure"), Login(5, "bob", "failure"), Login(10, "ann", "failure"),
            Login(12, "bob", "success"), Login(15, "bob", "failure"), Login(20, "ann", "failure"));

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(body), "application/x-ndjson");
        var alerts = await AlertReadback.WaitForAsync(pipeline.Silo.EventHubsConnectionString, tenant, 1, TimeSpan.FromSeconds(60));

        response.EnsureSuccessStatusCode();
        var alert = Assert.Single(alerts);
        Assert.Equal(ProcessingSilo.DetectionThreshold, alert.EventIds.Count);
        Assert.Equal("ann", alert.Subject);
        Assert.Equal(tenant, alert.TenantId);
        Assert.Equal("failed-logins", alert.Rule);
        Assert.Equal(start, alert.FirstEventTime);
        Assert.Equal(start.AddSeconds(20), alert.LastEventTime);
    }

    [Fact]
    public async Task Post_FailedLoginsAfterAMegabyteOfEvents_AlertStillRaised()
    {
        const string tenant = "detect-big";
        var key = await pipeline.Api.CreateTenantAsync(tenant, new { displayName = tenant, processing = new { ordering = new { enabled = true, latenessWindow = "00:00:01" } } });
        var start = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);
        var padding = new string('p', 200);
        // ~1 MB of events: normalized and serialized this is several times what one memory-stream message holds.
        var lines = Enumerable.Range(0, 3500).Select(i => $$"""{"timestamp":"{{start.AddMilliseconds(i):O}}","message":"{{padding}}","n":{{i}}}""")
            .Concat(Enumerable.Range(0, ProcessingSilo.DetectionThreshold).Select(i =>
                $$$"""{"timestamp":"{{{start.AddSeconds(10 + i):O}}}","message":"login","event":{"action":"login","outcome":"failure"},"user":{"name":"zed"}}"""));

        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(string.Join('\n', lines)), "application/x-ndjson");
        var alerts = await AlertReadback.WaitForAsync(pipeline.Silo.EventHubsConnectionString, tenant, 1, TimeSpan.FromSeconds(60));

        response.EnsureSuccessStatusCode();
        Assert.Equal("zed", Assert.Single(alerts).Subject);
    }
}
