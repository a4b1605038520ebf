using System.Diagnostics;
using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Ingest;

public sealed class RateLimitTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    private static readonly byte[] HundredEvents = Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, 100).Select(static i => $"{{\"i\":{i}}}")));

    [Fact]
    public async Task Post_TenantOverItsRate_Gets429WhileOtherTenantSucceeds()
    {
        // 100 events/s with 1 s of burst: the first 100-event request drains the bucket.
        var flooder = await pipeline.Api.CreateTenantAsync("flooder", new
        {
            displayName = "flooder",
            enabled = true,
            limits = new { eventsPerSecond = 100.0, bytesPerSecond = 10_000_000.0, burstSeconds = 1.0 },
        });
        var quiet = await pipeline.Api.CreateTenantAsync("quiet");
        var quietAlone = await TimeQuietAsync(quiet, 10);

        var flood = Task.Run(async () =>
        {
            var statuses = new List<(HttpStatusCode Status, string? RetryAfter, string Body)>();
            for (var i = 0; i < 40; i++)
            {
                using var response = await pipeline.Api.PostAsync(flooder, HundredEvents, "application/x-ndjson");
                statuses.Add((response.StatusCode, response.Headers.RetryAfter?.ToString(), await response.Content.ReadAsStringAsync()));
            }

            return statuses;
        });
        var quietDuringFlood = await TimeQuietAsync(quiet, 10);
        var floodResults = await flood;

        Assert.Contains(floodResults, static r => r.Status == HttpStatusCode.OK);
        var limited = floodResults.Where(static r => r.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, static r => Assert.True(int.Parse(r.RetryAfter!, System.Globalization.CultureInfo.InvariantCulture) >= 1));
        Assert.All(limited, static r => Assert.Contains("over its limit", r.Body, StringComparison.Ordinal));
        Assert.All(floodResults, static r => Assert.Contains(r.Status, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        // The quiet tenant is never limited, and the flood does not make it wait behind the flooder.
        Assert.Equal(10, quietDuringFlood.Count);
        var median = Median(quietDuringFlood);
        Assert.True(median <= Math.Max(4 * Median(quietAlone), Median(quietAlone) + 200), $"quiet tenant median {median} ms during the flood vs {Median(quietAlone)} ms alone");
    }

    private async Task<List<double>> TimeQuietAsync(string key, int requests)
    {
        var latencies = new List<double>();
        for (var i = 0; i < requests; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await pipeline.Api.PostAsync(key, HundredEvents, "application/x-ndjson");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }

        return latencies;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
