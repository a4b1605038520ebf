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
        // Room for one whole message and its length prefix.
        var buffer = new byte[maxMessageBytes + 16];
        var filled = 0;
        var lines = new List<ReadOnlyMemory<byte>>();
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    // The sender closed: a last newline-framed message may lack its line break.
                    lines.Clear();
                    if (filled > 0 && buffer[0] is < (byte)'0' or > (byte)'9' && SyslogMessages.ToLine(buffer.AsSpan(0, filled)) is { } last)
                    {
                        lines.Add(last);
                        await client.SendAsync(lines, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }

                    return;
                }

                filled += read;
                lines.Clear();
                var consumed = SyslogTcpFraming.Split(buffer.AsSpan(0, filled), maxMessageBytes, lines);
                if (lines.Count > 0)
                {
                    await client.SendAsync(lines, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }
        }
        catch (InvalidDataException e)
        {
            LogBadFrame(logger, remote, e.Message);
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

    [LoggerMessage(1, LogLevel.Warning, "Syslog TCP connection from {Remote} closed: {Reason}")]
    private static partial void LogBadFrame(ILogger logger, string remote, string reason);

    [LoggerMessage(2, LogLevel.Information, "Syslog TCP connection from {Remote} lost: {Reason}")]
    private static partial void LogConnectionLost(ILogger logger, string remote, string reason);
}
