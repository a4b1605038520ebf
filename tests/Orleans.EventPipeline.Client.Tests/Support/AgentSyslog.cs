using System.Net;
using System.Net.Sockets;
using System.Text;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.Client.Tests.Support;

/// <summary>Syslog over TCP into an agent started with <c>--syslog-tcp</c>.</summary>
internal static class AgentSyslog
{
    /// <summary>Starts an agent listening for syslog over TCP on a free loopback port; the port.</summary>
    public static (AgentProcess Agent, int Port) StartTcp(string directory, ArchivingSilo silo, string key)
    {
        var port = FreeTcpPorts.Pick(1)[0];
        return (AgentProcess.Start(directory, silo.Url, key, "--syslog-tcp", $"127.0.0.1:{port}", "--quiet"), port);
    }

    /// <summary>Connects once the agent listens (it opens its listeners before it reads anything).</summary>
    public static async Task<TcpClient> ConnectAsync(int port, AgentProcess agent)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                return client;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && agent.Process.IsRunning)
            {
                client.Dispose();
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Sends <paramref name="text"/> in one write on a new connection, then closes it.</summary>
    public static async Task SendAsync(int port, AgentProcess agent, string text)
    {
        using var tcp = await ConnectAsync(port, agent);
        await tcp.GetStream().WriteAsync(Encoding.UTF8.GetBytes(text));
        await tcp.GetStream().FlushAsync();
    }

    /// <summary>An RFC 3164 message carrying the marker <c>m-{n:D6}</c>.</summary>
    public static string Message(int n, string text = "") => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"<13>Nov 30 12:00:00 web-1 app[42]: m-{n:D6} {text}");

    /// <summary>RFC 6587 octet counting: <c>LENGTH SP MESSAGE</c>.</summary>
    public static string OctetCounted(string message) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Encoding.UTF8.GetByteCount(message)} {message}");
}
