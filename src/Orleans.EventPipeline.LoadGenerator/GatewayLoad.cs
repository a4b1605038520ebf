using System.Diagnostics;
using System.Net.Http.Headers;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// Posts batches to <c>/v1/events</c>, or through <paramref name="protocol"/> (a shipper protocol's sender), and
/// records what the gateway acknowledged. With <paramref name="idempotencyKeys"/> each request to <c>/v1/events</c> carries an
/// Idempotency-Key no other request of the process used.
/// </summary>
internal sealed class GatewayLoad(HttpClient http, IReadOnlyList<string> tenantKeys, byte[][] bodies, int batchEvents, ProtocolSender? protocol = null, bool idempotencyKeys = false)
{
    // Unique across the tool's phases and the GatewayLoads of one process (a key used twice would be answered as a replay).
    private static readonly string KeyPrefix = Guid.NewGuid().ToString("N");
    private static long s_keys;

    /// <summary>Closed loop: each connection posts its next batch as soon as the last is answered.</summary>
    public Task<PhaseResult> RunPeakAsync(int connections, TimeSpan duration) => PhaseResult.MeasureAsync(recorder =>
    {
        var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return Task.WhenAll(Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; Stopwatch.GetTimestamp() < stop; n++)
            {
                await PostAsync(worker, n, recorder);
            }
        })));
    });

    /// <summary>Open loop at a fixed rate (see <see cref="Pacer"/>).</summary>
    public Task<PhaseResult> RunPacedAsync(double eventsPerSecond, int connections, TimeSpan duration) => PhaseResult.MeasureAsync(recorder =>
        Pacer.RunAsync(eventsPerSecond / batchEvents, connections, duration, (worker, k, due) => PostAsync(worker, k, recorder, due)));

    private async Task PostAsync(int worker, int n, PhaseResult recorder, long? due = null)
    {
        if (protocol is not null)
        {
            var startedAt = due ?? Stopwatch.GetTimestamp();
            var (answer, bytes) = await protocol.SendAsync(tenantKeys[(worker + n) % tenantKeys.Count], worker + n);
            recorder.Record(Stopwatch.GetElapsedTime(startedAt), answer, batchEvents, bytes);
            return;
        }

        var body = bodies[(worker + n) % bodies.Length];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenantKeys[(worker + n) % tenantKeys.Count]);
        if (idempotencyKeys)
        {
            request.Headers.Add("Idempotency-Key", $"{KeyPrefix}-{Interlocked.Increment(ref s_keys)}");
        }

        var started = due ?? Stopwatch.GetTimestamp();
        int status;
        try
        {
            using var response = await http.SendAsync(request);
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            status = 0;
        }

        recorder.Record(Stopwatch.GetElapsedTime(started), status, batchEvents, body.Length);
    }
}
