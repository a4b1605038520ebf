using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// Resident memory of the silo under many concurrent maximum-size requests and after them: one round of
/// bodies at the 10 MiB wire limit, one of gzip bodies that inflate to just under the 32 MiB decompressed
/// limit (the defaults), each sent by all connections at once. Prints a Markdown table.
/// </summary>
internal static class MemoryProbe
{
    private const int WireLimit = 10 * 1024 * 1024;
    private const int DecompressedLimit = 32 * 1024 * 1024;

    // Long enough for the silo's idle trim (IdleMemoryTrimmer.QuietPeriod, a minute after the last request) and the collector to settle
    // after the first round; the second round's idle figure is untrimmed, as the trim comes at most once per FollowUpInterval (3 minutes).
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(80);

    public static async Task RunAsync(HttpClient http, Processes.ChildProcess silo, IReadOnlyList<string> keys, int concurrency)
    {
        var identity = Body(WireLimit - 4096, 500);
        var inflated = Body(DecompressedLimit - 4096, 500);
        var gzip = Gzip(inflated);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var start = silo.ResidentBytes();

        Console.WriteLine($"{concurrency} concurrent requests per round; load average before: {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine($"| round | answers | RSS before MB | RSS peak MB | RSS at end MB | RSS {Idle.TotalSeconds} s idle MB | seconds |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        await RoundAsync(http, silo, keys, concurrency, $"{concurrency} x {identity.Length / 1048576.0:N1} MiB NDJSON", identity, null);
        await RoundAsync(http, silo, keys, concurrency, $"{concurrency} x gzip {gzip.Length / 1048576.0:N1} MiB -> {inflated.Length / 1048576.0:N1} MiB", gzip, "gzip");
        Console.WriteLine();
        Console.WriteLine($"RSS at start {Mb(start)} MB; load average after: {LoadAverage()}");
    }

    private static async Task RoundAsync(HttpClient http, Processes.ChildProcess silo, IReadOnlyList<string> keys, int concurrency, string name, byte[] body, string? encoding)
    {
        var before = silo.ResidentBytes();
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, silo.ResidentBytes());
                await Task.Delay(50, CancellationToken.None);
            }
        });

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var statuses = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => PostAsync(http, keys[i % keys.Count], body, encoding)));
        var seconds = watch.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        var end = silo.ResidentBytes();
        await Task.Delay(Idle);
        var idle = silo.ResidentBytes();
        var answers = string.Join(" ", statuses.GroupBy(static s => s).OrderBy(static g => g.Key).Select(static g => $"{g.Key}: {g.Count()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {answers} | {Mb(before)} | {Mb(peak)} | {Mb(end)} | {Mb(idle)} | {seconds:N1} |"));
    }

    // The status, and for an error the problem's code: a 503 of the memory budget is not one of the stream.
    private static async Task<string> PostAsync(HttpClient http, string key, byte[] body, string? encoding)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        try
        {
            using var response = await http.SendAsync(request);
            if (response.IsSuccessStatusCode)
            {
                return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }

            using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return $"{(int)response.StatusCode} {problem.RootElement.GetProperty("error").GetString()}";
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return exception.GetType().Name;
        }
    }

    private static byte[] Body(int bytes, int eventBytes)
    {
        var template = BatchBodies.Create(bytes / eventBytes, eventBytes, variants: 1)[0];
        return template.Length <= bytes ? template : template[..template.AsSpan(0, bytes).LastIndexOf((byte)'\n')];
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }

        return output.ToArray();
    }

    private static string Mb(long bytes) => (bytes / 1e6).ToString("N0", CultureInfo.InvariantCulture);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
