using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Client;

namespace Orleans.EventPipeline.Agent.Sources.Syslog;

/// <summary>Syslog over TCP (RFC 6587), octet-counted or newline-framed, any number of connections.</summary>
internal sealed partial class SyslogTcpSource(IPEndPoint endpoint, int maxMessageBytes, EventPipelineClient client, ILogger logger) : IEventSource, IDisposable
{
    private readonly TcpListener _listener = Listen(endpoint);

    public string Name => $"syslog-tcp:{endpoint}";

    public bool Finite => false;

    public IPEndPoint LocalEndpoint => (IPEndPoint)_listener.LocalEndpoint;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
                connections.RemoveAll(static t => t.IsCompleted);
                connections.Add(ReceiveAsync(socket, cancellationToken));
            }
        }
        finally
        {
            await Task.WhenAll(connections).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => _listener.Dispose();

    private async Task ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var _ = socket;
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        var framing = new SyslogTcpFraming(maxMessageBytes, remote, logger);
        var buffer = new byte[framing.BufferBytes];
        var filled = 0;
        var lines = new List<ReadOnlyMemory<byte>>();
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                lines.Clear();
                if (read == 0)
                {
                    // The sender closed: a last message may lack its line break, or its frame its last bytes.
                    framing.End(buffer.AsSpan(0, filled), lines);
                    if (lines.Count > 0)
                    {
                        await client.SendAsync(lines, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }

                    return;
                }

                filled += read;
                var consumed = framing.Split(buffer.AsSpan(0, filled), lines);
                if (lines.Count > 0)
                {
                    await client.SendAsync(lines, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }
        }
        catch (SocketException e)
        {
            LogConnectionLost(logger, remote, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static TcpListener Listen(IPEndPoint endpoint)
    {
        var listener = new TcpListener(endpoint);
        listener.Start();
        return listener;
    }

    [LoggerMessage(2, LogLevel.Information, "Syslog TCP connection from {Remote} lost: {Reason}")]
    private static partial void LogConnectionLost(ILogger logger, string remote, string reason);
}
