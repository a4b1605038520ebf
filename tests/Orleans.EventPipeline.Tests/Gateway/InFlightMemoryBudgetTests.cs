using System.Net;
using System.Net.Sockets;
using System.Text;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Ingest;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Gateway;

/// <summary>
/// A silo whose in-flight budget fits one 1 MiB request (its body and frames, about 2.1 MiB) but not two.
/// Requests are written on raw sockets so a test controls exactly which body bytes the silo could have read.
/// </summary>
public sealed class InFlightMemoryBudgetTests : IAsyncLifetime, IDisposable
{
    private const int MaxBodyBytes = 1024 * 1024;
    private const int MaxInFlightBytes = 3 * 1024 * 1024;

    private readonly TempDirectory _data = new();
    private SiloProcess _silo = null!;
    private PipelineApi _api = null!;

    public async Task InitializeAsync()
    {
        _silo = SiloProcess.Start(
            _data.Path,
            $"--Pipeline:Gateway:MaxBodyBytes={MaxBodyBytes}",
            $"--Pipeline:Gateway:MaxDecompressedBytes={MaxBodyBytes}",
            $"--Pipeline:Gateway:MaxInFlightBytes={MaxInFlightBytes}");
        await _silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        _api = new PipelineApi(_silo.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Post_OverTheBudget_Is503WithRetryAfterBeforeTheBodyIsRead_WithinItIs200()
    {
        var key = await _api.CreateTenantAsync("budget");
        var large = Ndjson(MaxBodyBytes - 100);

        // A holds its share: the silo asked for its body (100 Continue), and half of it is sent.
        using var holder = await RawRequest.OpenAsync(_silo.BaseAddress, key, large.Length, expectContinue: true);
        Assert.Equal(100, await holder.ReadStatusLineAsync());
        await holder.SendBodyAsync(large.AsMemory(0, large.Length / 2));

        // Three more large requests at once: headers only, not a byte of body.
        var refused = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            using var request = await RawRequest.OpenAsync(_silo.BaseAddress, key, large.Length, expectContinue: false);
            return await request.ReadResponseAsync();
        }));

        // A small request still fits next to A.
        using var small = await _api.PostAsync(key, "{\"small\":1}"u8.ToArray(), "application/x-ndjson");

        await holder.SendBodyAsync(large.AsMemory(large.Length / 2));
        var held = await holder.ReadResponseAsync();

        // With A answered, a large request fits again.
        using var after = await _api.PostAsync(key, large, "application/x-ndjson");

        Assert.All(refused, static response =>
        {
            Assert.Equal(503, response.Status);
            Assert.Equal("1", response.Headers["retry-after"]);
            Assert.StartsWith("application/problem+json", response.Headers["content-type"], StringComparison.Ordinal);
            Assert.Contains("\"error\":\"memory_budget_exceeded\"", response.Body, StringComparison.Ordinal);
            Assert.Contains($"budget of {MaxInFlightBytes} bytes (Pipeline:Gateway:MaxInFlightBytes)", response.Body, StringComparison.Ordinal);
        });
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(200, held.Status);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        var answer = await ContentTypeIngestTests.ReadJsonAsync(after);
        Assert.True(answer.GetProperty("accepted").GetInt32() > 1000);
    }

    private static byte[] Ndjson(int bytes)
    {
        var text = new StringBuilder(bytes + 64);
        for (var i = 0; text.Length < bytes - 64; i++)
        {
            text.Append("{\"i\":").Append(i).Append(",\"pad\":\"").Append('x', 200).Append("\"}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>One POST /v1/events on its own connection, written and read by hand.</summary>
    private sealed class RawRequest : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly List<byte> _pending = [];

        private RawRequest(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
            _stream.ReadTimeout = 30_000;
        }

        public static async Task<RawRequest> OpenAsync(Uri baseAddress, string key, int contentLength, bool expectContinue)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port);
            var request = new RawRequest(tcp);
            var head = $"POST /v1/events HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nAuthorization: Bearer {key}\r\n" +
                $"Content-Type: application/x-ndjson\r\nContent-Length: {contentLength}\r\n{(expectContinue ? "Expect: 100-continue\r\n" : "")}\r\n";
            await request._stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            return request;
        }

        public async Task SendBodyAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes);

        /// <summary>Reads one response head (an interim 100 too) and returns its status.</summary>
        public async Task<int> ReadStatusLineAsync() => (await ReadHeadAsync()).Status;

        public async Task<(int Status, Dictionary<string, string> Headers, string Body)> ReadResponseAsync()
        {
            var (status, headers) = await ReadHeadAsync();
            if (headers.TryGetValue("content-length", out var length))
            {
                return (status, headers, Encoding.UTF8.GetString(await TakeAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture))));
            }

            // Transfer-Encoding: chunked: hex size line, data, CRLF; a zero size ends the body.
            var body = new List<byte>();
            while (true)
            {
                var size = Convert.ToInt32(Encoding.ASCII.GetString(await TakeLineAsync()).Split(';')[0], 16);
                body.AddRange(await TakeAsync(size));
                await TakeLineAsync();
                if (size == 0)
                {
                    return (status, headers, Encoding.UTF8.GetString([.. body]));
                }
            }
        }

        private async Task<byte[]> TakeAsync(int count)
        {
            while (_pending.Count < count)
            {
                await FillAsync();
            }

            var taken = _pending.GetRange(0, count).ToArray();
            _pending.RemoveRange(0, count);
            return taken;
        }

        private async Task<byte[]> TakeLineAsync()
        {
            int end;
            while ((end = IndexOf("\r\n"u8)) < 0)
            {
                await FillAsync();
            }

            var line = await TakeAsync(end);
            await TakeAsync(2);
            return line;
        }

        public void Dispose()
        {
            _stream.Dispose();
            _tcp.Dispose();
        }

        private async Task<(int Status, Dictionary<string, string> Headers)> ReadHeadAsync()
        {
            int end;
            while ((end = IndexOf("\r\n\r\n"u8)) < 0)
            {
                await FillAsync();
            }

            var lines = Encoding.ASCII.GetString([.. _pending.GetRange(0, end)]).Split("\r\n");
            _pending.RemoveRange(0, end + 4);
            var headers = lines.Skip(1).Select(static l => l.Split(':', 2)).ToDictionary(static p => p[0].Trim().ToLowerInvariant(), static p => p[1].Trim());
            return (int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), headers);
        }

        private int IndexOf(ReadOnlySpan<byte> value) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending).IndexOf(value);

        private async Task FillAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var buffer = new byte[8192];
            var read = await _stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                throw new IOException("The silo closed the connection before a whole response.");
            }

            _pending.AddRange(buffer.AsSpan(0, read));
        }
    }
}
