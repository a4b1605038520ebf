using System.Text;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Tests.Observability;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>
/// The real syslog-ng sending a file's lines to <c>/v1/events</c> through its <c>http()</c> destination, configured as
/// README.md shows: every line ends in the archive or the dead letters once, hostile lines among them, and a tenant over
/// its rate (429) only slows the shipper down.
/// </summary>
[Collection(ProcessingSiloGroup.Name)]
public sealed partial class SyslogNgTests(ProcessingPipelineFixture pipeline) : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// Syslog lines with bytes that are not UTF-8, control characters, a bare carriage return, 20 KiB lines and JSON among
    /// them, in batches of up to 100: syslog-ng sends a refused batch again and again, so a bad line refusing its batch
    /// would stop the shipper for good; it must cost only itself (archived or dead-lettered), and no line twice.
    /// </summary>
    [Fact]
    public async Task FileToHttp_HostileLinesAmongThem_EachLineArchivedOrDeadLetteredOnce()
    {
        const string tenant = "syslog-ng-file";
        const int count = 600;
        var key = await pipeline.Api.CreateTenantAsync(tenant);

        var seen = await ShipAsync(tenant, key, count);

        Assert.All(Enumerable.Range(0, count), i => Assert.True(seen.GetValueOrDefault(Token(i)) == 1, $"{Token(i)} found {seen.GetValueOrDefault(Token(i))} times"));
        // Each line whole, syslog header and all: the pipeline's parser read it.
        var archived = (await ArchiveFiles.ReadAsync(pipeline.ArchiveDirectory, tenant)).SelectMany(static o => o.Events);
        var line = Assert.Single(archived, static e => e.Body.Contains(Token(1), StringComparison.Ordinal));
        Assert.Equal(SourceFormat.Syslog3164, line.Format);
        Assert.Equal("web-01", line.Resource[ResourceNames.Host]);
        Assert.Equal("nginx", line.Resource[ResourceNames.Service]);
    }

    /// <summary>
    /// A tenant limited to 100 events/s gets batches of 100 lines: some are answered 429, which stores nothing, and
    /// syslog-ng sends them again after its <c>time-reopen</c>: each line arrives once.
    /// </summary>
    [Fact]
    public async Task TenantOverItsRate_429sRetried_EachLineArchivedOnce()
    {
        const string tenant = "syslog-ng-limited";
        const int count = 400;
        var key = await pipeline.Api.CreateTenantAsync(tenant, new { displayName = tenant, enabled = true, limits = new { eventsPerSecond = 100.0, bytesPerSecond = 10_000_000.0, burstSeconds = 1.0 } });

        var seen = await ShipAsync(tenant, key, count);

        Assert.All(Enumerable.Range(0, count), i => Assert.True(seen.GetValueOrDefault(Token(i)) == 1, $"{Token(i)} found {seen.GetValueOrDefault(Token(i))} times"));
        var scrape = await PrometheusScrape.FetchAsync(pipeline.Silo.BaseAddress);
        Assert.True(
            scrape.Sum("eventpipeline_ingest_requests_total", ("tenant", tenant), ("outcome", "rate_limited")) > 0,
            "the tenant's rate refused some of syslog-ng's requests (429), or the test proves nothing about retrying them");
    }

    /// <summary>
    /// A tenant refusing everything (disabled: 403) while about 10 MB of lines wait, more than the 4 MiB buffer holds: with
    /// README's <c>flags(flow-control)</c> syslog-ng stops reading the file while its destination cannot send instead of
    /// filling the buffer and dropping new lines (helper-139 saw 3,437 of 400,000 dropped without it), and once the tenant
    /// is enabled again every line arrives once.
    /// </summary>
    [Fact]
    public async Task TenantRefusingWhileMoreThanTheBufferWaits_FlowControl_NoLineDropped()
    {
        const string tenant = "syslog-ng-backlog";
        const int count = 20_000;
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        using (var disabled = await pipeline.Api.PutTenantAsync(tenant, new { displayName = tenant, enabled = false }))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, disabled.StatusCode);
        }

        var seen = await ShipAsync(
            tenant,
            key,
            count,
            // A buffer of 4 MiB in all, which the lines overflow: its memory part still above the source's window of 100 of
            // the largest lines here (20 KiB), as README asks; at 64 KiB syslog-ng dropped a line with flow control on.
            static configuration => SyslogNgRun.Swap(SyslogNgRun.Swap(configuration, "disk-buf-size(104857600)", "disk-buf-size(1048576)"), "mem-buf-size(8388608)", "mem-buf-size(3145728)"),
            async syslogNg =>
            {
                // Refused three times, 2 s apart (time-reopen): long enough for syslog-ng to read the whole file into a
                // buffer without flow control, and overflow it. Then the tenant takes events again.
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while ((await PrometheusScrape.FetchAsync(pipeline.Silo.BaseAddress)).Sum("eventpipeline_ingest_requests_total", ("tenant", tenant)) < 3)
                {
                    Assert.True(DateTime.UtcNow < deadline, $"syslog-ng's requests were not refused three times within 60 s. It said:\n{syslogNg.Output}");
                    await Task.Delay(TimeSpan.FromMilliseconds(200));
                }

                var dropped = await syslogNg.DestinationCountAsync("dropped");
                Assert.True(dropped == 0, $"syslog-ng dropped {dropped} lines while the tenant refused them. It said:\n{syslogNg.Output}");
                using var enabled = await pipeline.Api.PutTenantAsync(tenant, new { displayName = tenant, enabled = true });
                Assert.Equal(System.Net.HttpStatusCode.OK, enabled.StatusCode);
            });

        Assert.All(Enumerable.Range(0, count), i => Assert.True(seen.GetValueOrDefault(Token(i)) == 1, $"{Token(i)} found {seen.GetValueOrDefault(Token(i))} times"));
    }

    /// <summary>
    /// Syslog over TCP, RFC 3164 and RFC 5424 lines, forwarded as received (<c>${RAWMSG}</c> of a source with
    /// <c>flags(store-raw-message)</c>, as README.md shows): each is archived once, its header parsed by the pipeline.
    /// </summary>
    [Fact]
    public async Task TcpSyslogSource_RawMessagesForwarded_EachArchivedOnceWithItsHeaderParsed()
    {
        const string tenant = "syslog-ng-tcp";
        const int count = 300;
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var lines = Enumerable.Range(0, count).Select(static i => i % 2 == 0
            ? $"<134>Nov 30 12:00:00 web-{i % 16:D2} nginx[{1000 + (i % 97)}]: GET /api/items/{i} 200 {Token(i)}"
            : $"<165>1 2026-11-30T12:00:00.{i % 1000:D3}Z db-{i % 8} postgres 4242 ID47 - checkpoint {Token(i)}").ToList();

        var port = FreePort();
        var seen = await ShipAsync(
            tenant,
            count,
            async work => SyslogNgRun.OnLoopback(await SyslogNgRun.ReadmeConfigurationAsync(pipeline.Silo.BaseAddress, key, Path.Combine(work, "buffer")), port),
            async syslogNg =>
            {
                using var client = await ConnectAsync(port, syslogNg);
                await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
            });

        Assert.All(Enumerable.Range(0, count), i => Assert.True(seen.GetValueOrDefault(Token(i)) == 1, $"{Token(i)} found {seen.GetValueOrDefault(Token(i))} times"));
        var archived = (await ArchiveFiles.ReadAsync(pipeline.ArchiveDirectory, tenant)).SelectMany(static o => o.Events).ToList();
        var bsd = Assert.Single(archived, static e => e.Body.Contains(Token(2), StringComparison.Ordinal));
        Assert.Equal((SourceFormat.Syslog3164, "web-02", "nginx"), (bsd.Format, bsd.Resource[ResourceNames.Host], bsd.Resource[ResourceNames.Service]));
        var ietf = Assert.Single(archived, static e => e.Body.Contains(Token(3), StringComparison.Ordinal));
        Assert.Equal((SourceFormat.Syslog5424, "db-3", "postgres"), (ietf.Format, ietf.Resource[ResourceNames.Host], ietf.Resource[ResourceNames.Service]));
    }

    /// <summary>Lines of a real-looking syslog file, line <c>i</c> carrying <see cref="Token"/>(i), every fiftieth of each hostile kind.</summary>
    private static List<byte[]> Lines(int count) => [.. Enumerable.Range(0, count).Select(static i => (i % 50) switch
    {
        7 => [.. Encoding.ASCII.GetBytes($"<134>Nov 30 12:00:00 web-1 app[42]: {Token(i)} bytes that are not UTF-8: "), 0xFF, 0xFE, 0xC3, 0x28, (byte)'!'],
        13 => Encoding.UTF8.GetBytes($$$"""{"message":"{{{Token(i)}}} looks like JSON","level":"warn","nested":{"a":[1,2,{"b":null}]}}"""),
        21 => Encoding.UTF8.GetBytes($"<134>Nov 30 12:00:00 web-1 app[42]: {Token(i)} long " + new string('x', 20 * 1024)),
        33 => Encoding.UTF8.GetBytes($"<134>Nov 30 12:00:00 web-1 app[42]: {Token(i)} control \u0001\u001b[31m red \t tab \r bare return, émoji 🙂"),
        _ => Encoding.UTF8.GetBytes($"<134>Nov 30 12:00:00 web-{i % 16:D2} nginx[{1000 + (i % 97)}]: 10.0.{i % 256}.{i % 199} - - \"GET /api/items/{i} HTTP/1.1\" 200 {512 + (i % 4096)} {Token(i)}"),
    })];

    private static string Token(int i) => $"line={i:D6}";

    /// <summary>
    /// Writes <see cref="Lines"/> to a file and has syslog-ng send them to <paramref name="tenant"/> with README's configuration
    /// reading that file (<paramref name="change"/> changes it further); see the overload.
    /// </summary>
    private Task<Dictionary<string, int>> ShipAsync(string tenant, string key, int count, Func<string, string>? change = null, Func<SyslogNgRun, Task>? started = null) => ShipAsync(
        tenant,
        count,
        async work =>
        {
            var input = Path.Combine(work, "input.log");
            await using (var file = File.Create(input))
            {
                foreach (var line in Lines(count))
                {
                    file.Write(line);
                    file.WriteByte((byte)'\n');
                }
            }

            var configuration = SyslogNgRun.FromFile(await SyslogNgRun.ReadmeConfigurationAsync(pipeline.Silo.BaseAddress, key, Path.Combine(work, "buffer")), input);
            return change is null ? configuration : change(configuration);
        },
        started);

    /// <summary>
    /// Runs syslog-ng with the configuration <paramref name="configure"/> makes in a folder of the tenant's, does
    /// <paramref name="started"/> with it (feeds it lines, say), then counts each line's token in the archive and the dead
    /// letters once <paramref name="count"/> are there. syslog-ng is stopped however this ends.
    /// </summary>
    private async Task<Dictionary<string, int>> ShipAsync(string tenant, int count, Func<string, Task<string>> configure, Func<SyslogNgRun, Task>? started)
    {
        var work = Directory.CreateDirectory(Path.Combine(_work.Path, tenant)).FullName;
        var configuration = await configure(work);
        await using var syslogNg = SyslogNgRun.Start(work, configuration);
        if (started is not null)
        {
            await started(syslogNg);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var seen = await CountTokensAsync(tenant);
            if (seen.Count >= count)
            {
                return seen;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{count - seen.Count} of {count} lines reached neither the archive nor the dead letters within 120 s, e.g. {string.Join(", ", Enumerable.Range(0, count).Select(Token).Where(t => !seen.ContainsKey(t)).Take(5))}. syslog-ng said:\n{syslogNg.Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Connects to syslog-ng's TCP source once it listens, within 30 s.</summary>
    private static async Task<System.Net.Sockets.TcpClient> ConnectAsync(int port, SyslogNgRun syslogNg)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return client;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                client.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
            catch (System.Net.Sockets.SocketException exception)
            {
                client.Dispose();
                throw new TimeoutException($"syslog-ng did not listen on 127.0.0.1:{port} within 30 s: {exception.Message}. It said:\n{syslogNg.Output}");
            }
        }
    }

    /// <summary>How often each token appears in the tenant's archived events and its dead letters (read back from the hub).</summary>
    private async Task<Dictionary<string, int>> CountTokensAsync(string tenant)
    {
        var texts = (await ArchiveFiles.ReadAsync(pipeline.ArchiveDirectory, tenant)).SelectMany(static o => o.Events).Select(static e => e.Body).ToList();
        var (_, letters) = await StreamReadback.ReadAllAsync(pipeline.Silo.EventHubsConnectionString);
        texts.AddRange(letters.Where(l => l.Tenant == tenant).Select(static l => Encoding.Latin1.GetString(l.Raw)));
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            foreach (Match token in TokenPattern().Matches(text))
            {
                seen[token.Value] = seen.GetValueOrDefault(token.Value) + 1;
            }
        }

        return seen;
    }

    [GeneratedRegex("line=[0-9]{6}")]
    private static partial Regex TokenPattern();
}
