using System.Net;
using System.Net.Sockets;
using Orleans.EventPipeline.Client;

namespace Orleans.EventPipeline.Agent.Sources.Syslog;

/// <summary>Syslog over UDP (RFC 5426): one datagram, one message.</summary>
internal sealed class SyslogUdpSource(IPEndPoint endpoint, EventPipelineClient client) : IEventSource, IDisposable
{
    private readonly Socket _socket = Bind(endpoint);

    public string Name => $"syslog-udp:{endpoint}";

    public bool Finite => false;

    /// <summary>Where it listens (the port the system picked when the setting said 0).</summary>
    public IPEndPoint LocalEndpoint => (IPEndPoint)_socket.LocalEndPoint!;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // The largest UDP payload.
        var buffer = new byte[65_535];
        var from = new IPEndPoint(endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (true)
        {
            var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from, cancellationToken).ConfigureAwait(false);
            if (SyslogMessages.ToLine(buffer.AsSpan(0, received.ReceivedBytes)) is { } line)
            {
                await client.SendAsync(line, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _socket.Dispose();

    private static Socket Bind(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        // 4 MiB of kernel buffer rides out a burst while a batch is being spooled.
        socket.ReceiveBufferSize = 4 * 1024 * 1024;
        socket.Bind(endpoint);
        return socket;
    }
}
