using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
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

    // Each process picks within its own slice of that range (by process id), so two processes — test
    // projects run in parallel, the silos and emulators they start — rarely pick the same port in the
    // moment between a pick and its server's bind (a test saw "address already in use" without this).
    private const int Slices = 4;
    private const int SliceSize = (EndPort - FirstPort) / Slices;
    private static readonly int SliceStart = FirstPort + (Environment.ProcessId % Slices * SliceSize);

    // A port picked in the last Recent is not picked again while others are free: its server may not
    // have bound it yet, or may be down for a restart on the same port (a silo keeps its ports across
    // restarts, and crash tests restart minutes after the pick). Within the process a table says so;
    // across processes a file per port in DefaultReservations, created exclusively, does: slices alone
    // let two test hosts whose ids fall in one slice pick the same port (CI saw an embedded emulator fail
    // with "address already in use"). A slice's ports last a test host that picks a few ports a second.
    private static readonly TimeSpan Recent = TimeSpan.FromMinutes(5);

    /// <summary>How long a pick stays claimed.</summary>
    internal static TimeSpan ClaimLifetime => Recent;
    private static readonly ConcurrentDictionary<int, long> PickedAt = new();
    private static readonly string DefaultReservations = Path.Combine(Path.GetTempPath(), "orleans-eventpipeline-ports");

    /// <summary>
    /// <paramref name="count"/> distinct ports free on <paramref name="address"/> (default 127.0.0.1),
    /// outside the ephemeral range. Every listener is held until all are chosen so no port is chosen
    /// twice; a process that does not use this class may still take one before its server binds it.
    /// </summary>
    public static int[] Pick(int count, IPAddress? address = null) => Pick(count, address ?? IPAddress.Loopback, DefaultReservations);

    /// <summary>The process's own slice of ports, first and count.</summary>
    internal static (int First, int Count) Slice => (SliceStart, SliceSize);

    /// <summary>
    /// <see cref="Pick(int, IPAddress?)"/> with claims kept in <paramref name="reservations"/>. Walks the
    /// slice once from a random place skipping ports claimed within Recent, then once more taking
    /// any port that binds.
    /// </summary>
    internal static int[] Pick(int count, IPAddress address, string reservations)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var listeners = new List<TcpListener>(count);
        var start = Random.Shared.Next(SliceSize);
        try
        {
            for (var attempt = 0; listeners.Count < count; attempt++)
            {
                if (attempt == 2 * SliceSize)
                {
                    throw new InvalidOperationException($"Only {listeners.Count} of {count} ports in {SliceStart}-{SliceStart + SliceSize - 1} are free on {address}.");
                }

                var port = SliceStart + ((start + attempt) % SliceSize);
                var claimed = attempt < SliceSize
                    && ((PickedAt.TryGetValue(port, out var at) && Stopwatch.GetElapsedTime(at) < Recent) || !Reserve(reservations, port));
                if (claimed)
                {
                    continue;
                }

                var listener = new TcpListener(address, port);
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

            var ports = listeners.Select(static listener => ((IPEndPoint)listener.LocalEndpoint).Port).ToArray();
            var now = Stopwatch.GetTimestamp();
            foreach (var port in ports)
            {
                PickedAt[port] = now;
            }

            return ports;
        }
        finally
        {
            listeners.ForEach(static listener => listener.Stop());
        }
    }

    /// <summary>
    /// Claims <paramref name="port"/> for Recent across processes: false when another process
    /// claimed it within that time. A claim older than that is taken over; when the directory cannot be
    /// used at all, every port counts as unclaimed (the bind check still applies).
    /// </summary>
    private static bool Reserve(string reservations, int port)
    {
        var path = Path.Combine(reservations, port.ToString(CultureInfo.InvariantCulture));
        try
        {
            Directory.CreateDirectory(reservations);
            if (File.Exists(path) && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) >= Recent)
            {
                File.Delete(path);
            }

            using (new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
            }

            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }
}
