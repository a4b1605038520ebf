using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Orleans.EventPipeline.FaultHarness.Load;

/// <summary>
/// One tenant's shipper: posts NDJSON batches, each under its own Idempotency-Key, and retries the same
/// bytes under the same key until the gateway answers 200, as a well-behaved agent does. Every
/// <see cref="LoadSettings.BadLineEvery"/>-th batch carries one line that is not JSON, which the gateway
/// must reject alone and keep in the tenant's dead letters.
/// </summary>
internal sealed class TenantClient(string tenant, string apiKey, Func<Uri> gateway, HttpClient http, LoadSettings settings, AckLedger ledger, LoadCounters counters, TimeProvider time)
{
    private static readonly MediaTypeHeaderValue NdJson = new("application/x-ndjson");

    // Retries back off from 50 ms to 1 s, and honour a shorter or longer Retry-After up to 5 s.
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(5);

    public string Tenant => tenant;

    /// <summary>Batches whose retries ran out at the give-up time: never acknowledged, so never promised.</summary>
    public int Unacknowledged { get; private set; }

    /// <summary>
    /// Sends batches from <paramref name="lane"/> at the paced interval until <paramref name="stopSending"/>,
    /// then finishes the batch in hand, retrying it until <paramref name="giveUp"/>.
    /// </summary>
    public async Task RunAsync(int lane, TimeSpan interval, CancellationToken stopSending, CancellationToken giveUp)
    {
        var next = time.GetTimestamp();
        for (var sequence = 0; !stopSending.IsCancellationRequested; sequence++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"{settings.RunId}-{tenant}-{lane}-{sequence}");
            var body = Body(key, sequence);
            counters.Sent(settings.BatchSize);
            if (!await PostUntilAcknowledgedAsync(key, body, giveUp))
            {
                Unacknowledged++;
                return;
            }

            next += (long)(interval.TotalSeconds * time.TimestampFrequency);
            var wait = time.GetElapsedTime(time.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, time, stopSending);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            else
            {
                next = time.GetTimestamp();
            }
        }
    }

    private byte[] Body(string key, int sequence)
    {
        var text = new StringBuilder(settings.BatchSize * 96);
        var badLine = settings.BadLineEvery > 0 && sequence % settings.BadLineEvery == settings.BadLineEvery - 1 ? settings.BatchSize / 2 : -1;
        for (var i = 0; i < settings.BatchSize; i++)
        {
            if (i == badLine)
            {
                text.Append(CultureInfo.InvariantCulture, $"harness line {key}/{i} that is not JSON\n");
                continue;
            }

            text.Append(CultureInfo.InvariantCulture, $"{{\"tenant\":\"{tenant}\",\"key\":\"{key}\",\"i\":{i},\"msg\":\"fault harness event\"}}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private async Task<bool> PostUntilAcknowledgedAsync(string key, byte[] body, CancellationToken giveUp)
    {
        var backoff = FirstBackoff;
        while (!giveUp.IsCancellationRequested)
        {
            TimeSpan? retryAfter = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway(), "/v1/events")) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = NdJson;
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
                request.Headers.Add("Idempotency-Key", key);
                using var response = await http.SendAsync(request, giveUp);
                counters.Answered((int)response.StatusCode);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    ledger.Record(tenant, await ReadAckAsync(response, giveUp));
                    counters.Acknowledged(tenant, time.GetUtcNow());
                    return true;
                }

                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
            {
                // Refused, reset or timed out: the silo is down or stopped. The same key makes the retry safe.
                counters.TransportFailed();
            }

            var wait = retryAfter is { } asked ? TimeSpan.FromTicks(Math.Min(asked.Ticks, MaxRetryAfter.Ticks)) : backoff;
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            try
            {
                await Task.Delay(wait, time, giveUp);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return false;
    }

    private static async Task<AckedBatch> ReadAckAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var answer = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        var root = answer.RootElement;
        return new AckedBatch(Guid.Parse(root.GetProperty("batchId").GetString()!), root.GetProperty("accepted").GetInt32(), root.GetProperty("rejected").GetArrayLength());
    }
}
