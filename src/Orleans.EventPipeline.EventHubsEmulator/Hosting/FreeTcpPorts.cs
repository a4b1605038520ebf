using System.Net;
using System.Net.Sockets;

namespace Orleans.EventPipeline.EventHubsEmulator.Hosting;

/// <summary>
/// Free TCP ports, for a port that must be chosen before its server binds it: the emulator's with
/// <c>Port</c> 0 (azure-amqp's TCP listener binds only when it starts, does not report the port it
/// got, and its TCP transport is internal, so no listener of ours can bind port 0 and accept on it),
/// the silo's embedded emulator (Orleans reads its address before any hosted service runs) and the
/// servers tests start in other processes. The one place ports are picked.
/// </summary>
public static class FreeTcpPorts
{
    // Below Linux's ephemeral range (32768-60999 by default): the kernel never gives these to outgoing
    // connections, which the tests open by the thousand and which took a chosen port before its server
    // bound it when ports came from the ephemeral range (as port 0 gives them).
    private const int FirstPort = 20_000;
    private const int EndPort = 32_000;

    /// <summary>
    /// <paramref name="count"/> distinct ports free on <paramref name="address"/> (default 127.0.0.1),
    /// outside the ephemeral range. Every listener is held until all are chosen so no port is chosen
    /// twice; another process may still take one before its server binds it.
    /// </summary>
    public static int[] Pick(int count, IPAddress? address = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        address ??= IPAddress.Loopback;
        var listeners = new List<TcpListener>(count);
        try
        {
            while (listeners.Count < count)
            {
                var listener = new TcpListener(address, Random.Shared.Next(FirstPort, EndPort));
                try
                {
                    listener.Start();
                    listeners.Add(listener);
                }
                catch (SocketException)
                {
                    // Taken: try another.
                    listener.Stop();
                }
            }

            return [.. listeners.Select(static listener => ((IPEndPoint)listener.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(static listener => listener.Stop());
        }
    }
}
