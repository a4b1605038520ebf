using System.Net;
using System.Net.Sockets;

namespace Orleans.EventPipeline.Testing;

/// <summary>Free TCP ports on 127.0.0.1 for the servers a test starts, and a check that one listens.</summary>
internal static class LoopbackPorts
{
    // Below Linux's ephemeral range (32768-60999 by default): the kernel never gives these to the
    // outgoing connections the tests open by the thousand, which took a chosen port before its server
    // bound it when the ports came from the ephemeral range.
    private const int FirstPort = 20_000;
    private const int EndPort = 32_000;

    /// <summary>
    /// <paramref name="count"/> distinct free ports outside the ephemeral range. Every listener is held
    /// until all are chosen so no port is chosen twice; another process may still take one before the
    /// test binds it.
    /// </summary>
    public static int[] Free(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            while (listeners.Count < count)
            {
                var listener = new TcpListener(IPAddress.Loopback, Random.Shared.Next(FirstPort, EndPort));
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

    /// <summary>Whether something accepts connections on the port now.</summary>
    public static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
