using System.Net;
using System.Net.Sockets;

namespace Orleans.EventPipeline.Testing;

/// <summary>Whether a server a test started listens yet (its ports come from <c>FreeTcpPorts.Pick</c>).</summary>
internal static class LoopbackProbe
{
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
