using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Orleans.EventPipeline.FaultHarness.Hostile;

/// <summary>
/// Seeded bad input against every endpoint the pipeline exposes, sent alongside the load and the faults:
/// native ingest (bodies, media types, encodings, keys), the admin API (ids, JSON, numbers, times) and the
/// emulator's AMQP listener (bytes that are not AMQP, wrong headers, hostile frames). Each answer is
/// tallied; a 5xx other than 503 is a failure of the run. Ingest goes to a tenant of its own so the audit
/// of the load tenants is untouched.
/// </summary>
internal sealed class HostileTraffic(Random random, HttpClient http, Func<Uri> gateway, string adminKey, string hostileTenantKey, int emulatorPort, TimeProvider time)
{
    private readonly byte[] _junk = new byte[64 * 1024];

    public EndpointTally Ingest { get; } = new("POST /v1/events");

    public EndpointTally Admin { get; } = new("/admin/v1");

    public EndpointTally Amqp { get; } = new("emulator AMQP listener");

    public IEnumerable<EndpointTally> Tallies => [Ingest, Admin, Amqp];

    /// <summary>Sends one bad input to each endpoint per <paramref name="pace"/> until stopped.</summary>
    public async Task RunAsync(TimeSpan pace, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            random.NextBytes(_junk);
            await TryAsync(Ingest, SendIngestAsync);
            await TryAsync(Admin, SendAdminAsync);
            await TryAsync(Amqp, SendAmqpAsync);
            try
            {
                await Task.Delay(pace, time, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task TryAsync(EndpointTally tally, Func<Task<string>> send)
    {
        try
        {
            tally.Count(await send());
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException or SocketException)
        {
            // The target is down or stopped by a fault, closed on us, or waited for more: not an answer, but tried.
            tally.Count(exception switch
            {
                SocketException { SocketErrorCode: SocketError.ConnectionRefused } or HttpRequestException { InnerException: SocketException } => "refused",
                OperationCanceledException => "no answer in time",
                _ => "closed",
            });
        }
    }

    private async Task<string> SendIngestAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway(), "/v1/events"));
        var (body, type, encoding, auth) = random.Next(12) switch
        {
            0 => (_junk.AsMemory(0, random.Next(1, _junk.Length)).ToArray(), "application/x-ndjson", null, "Bearer"),
            1 => ("{\"a\":1}"u8.ToArray(), ";", null, "Bearer"),
            2 => (_junk.AsMemory(0, 512).ToArray(), "application/x-ndjson", "gzip", "Bearer"),
            3 => (_junk.AsMemory(0, 512).ToArray(), "application/x-ndjson", "zstd", "Bearer"),
            4 => ("{\"a\":1}"u8.ToArray(), "application/x-ndjson", "br", "Bearer"),
            5 => (Encoding.UTF8.GetBytes(new string('[', 5_000) + new string(']', 5_000)), "application/json", null, "Bearer"),
            6 => (Encoding.UTF8.GetBytes("{\"big\":\"" + new string('x', 300 * 1024) + "\"}\n{\"ok\":1}"), "application/x-ndjson", null, "Bearer"),
            7 => ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D, 0x0A, 0xED, 0xA0, 0x80], "application/x-ndjson", null, "Bearer"),
            8 => ("[{\"a\":1},"u8.ToArray(), "application/json", null, "Bearer"),
            9 => ("{\"a\":1}"u8.ToArray(), "application/x-ndjson", null, "Basic"),
            10 => ("{\"a\":1}"u8.ToArray(), "text/html", null, "Bearer"),
            _ => ([], "application/x-ndjson", null, "Bearer"),
        };
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        if (encoding is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);
        }

        request.Headers.TryAddWithoutValidation("Authorization", $"{auth} {hostileTenantKey}");
        if (random.Next(4) == 0)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', random.Next(1, 2_000)));
        }

        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
    }

    private async Task<string> SendAdminAsync()
    {
        string[] ids = ["t%0A", "%00", new string('a', 300), "..%2F..", "T!", "ok-tenant", "%E2%80%AE"];
        var id = ids[random.Next(ids.Length)];
        using var request = random.Next(6) switch
        {
            0 => Json(HttpMethod.Put, $"/admin/v1/tenants/{id}", "{\"limits\":{\"eventsPerSecond\":1e400}}"),
            1 => Json(HttpMethod.Put, $"/admin/v1/tenants/{id}", Encoding.Latin1.GetString(_junk, 0, 200)),
            2 => Json(HttpMethod.Put, $"/admin/v1/tenants/{id}", "{\"limits\":{\"eventsPerSecond\":1e-300,\"burstSeconds\":-1},\"shardCount\":1000}"),
            3 => new HttpRequestMessage(HttpMethod.Get, $"/admin/v1/tenants/{id}/archive?from=0001-01-01T00:00:00Z&to={Uri.EscapeDataString(random.Next(2) == 0 ? "9999-12-31T23:59:59Z" : "yesterday")}"),
            4 => Json(HttpMethod.Post, $"/admin/v1/tenants/{id}/keys", "{\"name\":" + new string('[', 100)),
            _ => new HttpRequestMessage(HttpMethod.Delete, $"/admin/v1/tenants/{id}/keys/{Uri.EscapeDataString(Encoding.Latin1.GetString(_junk, 0, 20))}"),
        };
        request.RequestUri = new Uri(gateway(), request.RequestUri!.OriginalString);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", random.Next(8) == 0 ? "wrong-admin-key-0123456789" : adminKey);
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
    }

    private static HttpRequestMessage Json(HttpMethod method, string path, string body) =>
        new(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private async Task<string> SendAmqpAsync()
    {
        // AMQP 1.0 opens with "AMQP" + protocol id + 1.0.0; SASL is protocol id 3.
        byte[] frame = random.Next(5) switch
        {
            0 => _junk.AsMemory(0, random.Next(1, 4_096)).ToArray(),
            1 => [(byte)'A', (byte)'M', (byte)'Q', (byte)'P', 9, 9, 9, 9],
            2 => [(byte)'A', (byte)'M', (byte)'Q', (byte)'P', 3, 1, 0, 0, .. _junk.AsSpan(0, 256)],
            // A frame that declares 4 GiB.
            3 => [(byte)'A', (byte)'M', (byte)'Q', (byte)'P', 3, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 2, 1, 0, 0],
            _ => [(byte)'A', (byte)'M', (byte)'Q', (byte)'P', 0, 1, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0, .. _junk.AsSpan(0, 64)],
        };
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ConnectAsync("127.0.0.1", emulatorPort, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(frame, timeout.Token);

        // The listener answers with its own header or closes; either way it must go on serving others.
        var answer = new byte[8];
        var read = await stream.ReadAsync(answer, timeout.Token);
        return read == 0 ? "closed" : "answered";
    }
}
