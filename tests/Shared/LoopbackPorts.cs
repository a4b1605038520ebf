using System.Net;
using System.Net.Sockets;

namespace Orleans.EventPipeline.Testing;

/// <summary>Free TCP ports on 127.0.0.1 for the servers a test starts, and a check that one listens.</summary>
internal static class LoopbackPorts
{
    /// <summary>
    /// <paramref name="count"/> distinct free ports. Every listener is held until all are chosen so the
    /// kernel cannot hand out one port twice; another process may still take one before the test binds it.
    /// </summary>
    public static int[] Free(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(static _ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(static listener => listener.Start());
        var ports = listeners.Select(static listener => ((IPEndPoint)listener.LocalEndpoint).Port).ToArray();
        listeners.ForEach(static listener => listener.Stop());
        return ports;
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
