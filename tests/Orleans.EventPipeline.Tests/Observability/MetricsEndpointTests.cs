using System.Net;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Tests.Support;
using static Orleans.EventPipeline.Tests.Observability.MetricsPipelineFixture;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary><c>GET /metrics</c> of the real silo process after known traffic of three tenants, two under the tenant tag's cap.</summary>
[Collection(MetricsPipelineGroup.Name)]
public sealed partial class MetricsEndpointTests(MetricsPipelineFixture pipeline)
{
    private static readonly (string, string) A = ("tenant", TenantA);
    private static readonly (string, string) B = ("tenant", TenantB);
    private static readonly (string, string) Other = ("tenant", "_other");

    [Fact]
    public async Task Scrape_AfterTwoTenantsPosted_PerTenantCountersMatchWhatWasSentAndPromtoolAccepts()
    {
        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.RequestEntityTooLarge],
            pipeline.Answers);

        var scrape = await pipeline.ScrapeAsync();

        Assert.Equal(AAccepted, scrape.Sum("eventpipeline_ingest_events_total", A));
        Assert.Equal(BAccepted, scrape.Sum("eventpipeline_ingest_events_total", B));
        Assert.Equal(1, scrape.Sum("eventpipeline_ingest_rejected_total", A, ("reason", "invalid")));
        Assert.Equal(1, scrape.Sum("eventpipeline_ingest_rejected_total", A, ("reason", "too_large")));
        Assert.Equal(1, scrape.Sum("eventpipeline_ingest_rejected_total", A, ("reason", "rate_limited")));
        Assert.Equal(0, scrape.Sum("eventpipeline_ingest_rejected_total", B));
        Assert.Equal(1, scrape.Sum("eventpipeline_ingest_throttled_total", A));
        Assert.Equal(0, scrape.Sum("eventpipeline_ingest_throttled_total", B));
        Assert.Equal(1, scrape.Sum("eventpipeline_ingest_requests_total", A, ("outcome", "stored")));
        Assert.Equal(1, scrape.Sum("eventpipeline_ingest_requests_total", A, ("outcome", "rate_limited")));
        Assert.Equal(2, scrape.Sum("eventpipeline_ingest_requests_total", B, ("outcome", "stored")));
        // Refused before the grain, once the key named the tenant: counted per tenant by the problem's code.
        Assert.Equal(1, scrape.Sum("eventpipeline_ingest_requests_total", B, ("outcome", "unsupported_media_type")));
        Assert.Equal(1, scrape.Sum("eventpipeline_ingest_requests_total", B, ("outcome", "payload_too_large")));
        Assert.Equal(0, scrape.Sum("eventpipeline_ingest_requests_total", A, ("outcome", "unsupported_media_type")));
        Assert.Equal(2, scrape.Sum("eventpipeline_ingest_ack_duration_seconds_count", B));
        Assert.True(scrape.Sum("eventpipeline_ingest_bytes_total", B) > 0, "acknowledged bytes are counted");
        // The third tenant is over the cap of two: counted, under one value, never under its own.
        Assert.Equal(OverCapAccepted, scrape.Sum("eventpipeline_ingest_events_total", Other));
        Assert.False(scrape.AnyWithLabel("tenant", TenantOverCap), "a tenant over the cap has no series of its own");
        // Orleans' and ASP.NET Core's meters are exported beside the pipeline's.
        Assert.Contains(scrape.Families, static name => name.StartsWith("orleans_", StringComparison.Ordinal));
        Assert.Contains("http_server_request_duration_seconds", scrape.Families);
        // The runtime's meter: the process's memory against its budget, readable from the scrape.
        Assert.Contains(scrape.Samples, static s => s.Name == "dotnet_process_memory_working_set_bytes" && s.Value > 0);

        // promtool exits 1 when the exposition does not parse, 3 when it parses but its lint has findings. Every
        // metric has HELP (the silo describes Orleans' undescribed instruments); what remains is exactly what an
        // exporter cannot change on Orleans' own families without misstating them: their milliseconds and megabytes
        // (a view cannot scale values) and their camelCase tag names (a view cannot rename tags). docs/OPERATIONS.md says so.
        var (exitCode, output) = await Promtool.CheckMetricsAsync(scrape.Text);
        var findings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(exitCode is 0 or 3, $"promtool check metrics exited {exitCode}:\n{output}");
        Assert.All(findings, static finding => Assert.Matches(OrleansUnitOrTagCase(), finding));
    }

    [Fact]
    public async Task Scrape_AfterProcessing_ArchivedAndDeadLetteredPerTenantAndStreamLagPerPartition()
    {
        PrometheusScrape scrape = null!;
        await Poll.UntilAsync(
            () =>
            {
                scrape = pipeline.ScrapeAsync().GetAwaiter().GetResult();
                // Every tenant's processor, the one over the cap too: they archive independently of each other.
                return scrape.Sum("eventpipeline_events_archived_total", A) >= AAccepted
                    && scrape.Sum("eventpipeline_events_archived_total", B) >= BAccepted
                    && scrape.Sum("eventpipeline_events_archived_total", Other) >= OverCapAccepted
                    && scrape.Sum("eventpipeline_deadletters_total", A) >= 2
                    && scrape.Sum("eventpipeline_stream_lag_seconds_count") >= 4
                    // The archive lag is recorded after the processor's state names the object, a grain-state write
                    // after the archived counter: a scrape between the two has the count without the lag.
                    && scrape.Sum("eventpipeline_archive_lag_seconds_count", A) >= 1
                    && scrape.Sum("eventpipeline_archive_lag_seconds_count", B) >= 1
                    && scrape.Sum("eventpipeline_archive_lag_seconds_count", Other) >= 1;
            },
            TimeSpan.FromSeconds(60),
            () => "archived and dead-lettered counters of the tenants and the stream lag count:\n" + string.Join('\n', scrape.Text.Split('\n').Where(static line => line.StartsWith("eventpipeline_", StringComparison.Ordinal))));

        Assert.Equal(AAccepted, scrape.Sum("eventpipeline_events_archived_total", A));
        Assert.Equal(BAccepted, scrape.Sum("eventpipeline_events_archived_total", B));
        Assert.Equal(OverCapAccepted, scrape.Sum("eventpipeline_events_archived_total", Other));
        Assert.Equal(2, scrape.Sum("eventpipeline_deadletters_total", A, ("stage", "ingest")));
        // Every accepted batch was delivered to its processor once, each on its tenant's partition.
        Assert.Equal(4, scrape.Sum("eventpipeline_stream_lag_seconds_count"));
        Assert.True(scrape.Samples.Where(static s => s.Name == "eventpipeline_stream_lag_seconds_count").All(static s => s.Labels.ContainsKey("partition")));
        // Buckets for seconds: a lag of milliseconds lands under 0.05 s, not in the SDK's first bucket of 5.
        Assert.Contains(scrape.Samples, static s => s.Name == "eventpipeline_stream_lag_seconds_bucket" && s.Labels["le"] == "0.05");
        Assert.Contains(scrape.Samples, static s => s.Name == "eventpipeline_archive_lag_seconds_bucket" && s.Labels["le"] == "0.05");
        Assert.Contains(scrape.Samples, static s => s.Name == "eventhubs_emulator_log_commit_duration_seconds_bucket" && s.Labels["le"] == "0.001");
        // The name docs/OPERATIONS.md gives: the exporter adds the unit once, so the instrument's name does not say bytes.
        Assert.True(scrape.Sum("eventhubs_emulator_log_appended_bytes_total") > 0, "the emulator's appended bytes are exported as eventhubs_emulator_log_appended_bytes_total");
    }

    /// <summary>The only lint findings left: Orleans' non-base units and its camelCase tag names.</summary>
    [GeneratedRegex("""^orleans_[a-z0-9_]+ (?:use base unit "(?:seconds|bytes)" instead of "(?:milliseconds|megabytes)"|label names should be written in 'snake_case' not 'camelCase')$""")]
    private static partial Regex OrleansUnitOrTagCase();
}
