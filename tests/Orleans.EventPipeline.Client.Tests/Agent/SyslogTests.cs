using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>Syslog into the agent over UDP and TCP (octet counting and newline framing), RFC 5424 and 3164, through to the archive.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed partial class SyslogTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private const string Tenant = "syslog";
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task UdpAndTcpBothFramings_5424And3164_EachMessageArchivedOnce()
    {
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(Tenant);
        var udpPort = FreeUdpPort();
        var tcpPort = FreeTcpPorts.Pick(1)[0];
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, "--syslog-udp", $"127.0.0.1:{udpPort}", "--syslog-tcp", $"127.0.0.1:{tcpPort}", "--quiet");
        using var tcp = await AgentSyslog.ConnectAsync(tcpPort, agent);

        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        string Rfc5424(int n) => Remember(expected, n, "Syslog5424", $"<34>1 2026-11-30T12:00:00.000Z web-1 app 42 ID47 - m-{n:D6} from 5424");
        string Rfc3164(int n) => Remember(expected, n, "Syslog3164", $"<13>Nov 30 12:00:00 web-1 app[42]: m-{n:D6} from 3164");

        using (var udp = new UdpClient())
        {
            for (var n = 0; n < 10; n++)
            {
                var message = Encoding.UTF8.GetBytes(n % 2 == 0 ? Rfc5424(n) : Rfc3164(n) + "\n");
                await udp.SendAsync(message, new IPEndPoint(IPAddress.Loopback, udpPort));
            }
        }

        // Octet counting: LENGTH SP MESSAGE, several in one write, one split across two writes, one with a line break inside.
        var octets = new StringBuilder();
        for (var n = 10; n < 20; n++)
        {
            var message = n == 19 ? Rfc5424(n) + "\nsecond line" : n % 2 == 0 ? Rfc5424(n) : Rfc3164(n);
            octets.Append(CultureInfoInvariant(Encoding.UTF8.GetByteCount(message))).Append(' ').Append(message);
        }

        var octetBytes = Encoding.UTF8.GetBytes(octets.ToString());
        await tcp.GetStream().WriteAsync(octetBytes.AsMemory(0, octetBytes.Length / 2));
        await tcp.GetStream().FlushAsync();
        await tcp.GetStream().WriteAsync(octetBytes.AsMemory(octetBytes.Length / 2));

        // Newline framing on another connection, the last message without its line break before the close.
        using (var lines = await AgentSyslog.ConnectAsync(tcpPort, agent))
        {
            var text = string.Join("\n", Enumerable.Range(20, 10).Select(n => n % 2 == 0 ? Rfc5424(n) : Rfc3164(n)));
            await lines.GetStream().WriteAsync(Encoding.UTF8.GetBytes(text));
        }

        var archived = await silo.ArchivedAsync(Tenant, expected.Count, TimeSpan.FromSeconds(90), Describe);
        var markers = archived.Select(static a => a.Split('|')[0]).ToList();
        ExactlyOnce.AssertArchived(Tenant, expected.Keys.ToHashSet(StringComparer.Ordinal), markers, output);
        foreach (var item in archived)
        {
            var parts = item.Split('|');
            Assert.Equal(expected[parts[0]], parts[1]);
        }

        // The line break inside the octet-counted message became rsyslog's #012, not a second event.
        Assert.Contains(archived, static a => a.StartsWith("m-000019|", StringComparison.Ordinal) && a.EndsWith("|escaped", StringComparison.Ordinal));
    }

    private static string Describe(NormalizedEvent e) =>
        $"{Marker().Match(e.Body).Value}|{e.Format}|{(e.Body.Contains("#012second line", StringComparison.Ordinal) ? "escaped" : "plain")}";

    private static string Remember(Dictionary<string, string> expected, int n, string format, string message)
    {
        expected[$"m-{n:D6}"] = format;
        return message;
    }

    private static string CultureInfoInvariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int FreeUdpPort()
    {
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }

    [GeneratedRegex(@"m-\d{6}")]
    private static partial Regex Marker();

    public void Dispose() => _dir.Dispose();
}
