using System.Globalization;
using System.Net;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Hosting;

/// <summary>
/// Ports claimed by another process (a file per port in the shared directory) are not picked while
/// unclaimed ones are free, and every pick is claimed for the next process.
/// </summary>
public sealed class FreeTcpPortsTests
{
    // One port in this many of the slice is left unclaimed.
    private const int FreeEvery = 20;

    [Fact]
    public void Pick_PortsClaimedByAnotherProcess_PicksOnlyUnclaimedOnesAndClaimsThem()
    {
        using var reservations = new TempDirectory();
        var (first, count) = FreeTcpPorts.Slice;
        var unclaimed = Enumerable.Range(first, count).Where(static port => port % FreeEvery == 0).ToHashSet();
        foreach (var port in Enumerable.Range(first, count).Where(port => !unclaimed.Contains(port)))
        {
            File.WriteAllBytes(ClaimPath(reservations.Path, port), []);
        }

        var ports = FreeTcpPorts.Pick(3, IPAddress.Loopback, reservations.Path);

        Assert.Equal(3, ports.Distinct().Count());
        Assert.All(ports, port => Assert.Contains(port, unclaimed));
        Assert.All(ports, port => Assert.True(File.Exists(ClaimPath(reservations.Path, port)), $"port {port} picked but not claimed"));
    }

    [Fact]
    public void Pick_EveryClaimStale_TakesClaimsOverAndRenewsThem()
    {
        using var reservations = new TempDirectory();
        var (first, count) = FreeTcpPorts.Slice;
        var stale = DateTime.UtcNow - FreeTcpPorts.ClaimLifetime - TimeSpan.FromMinutes(1);
        foreach (var port in Enumerable.Range(first, count))
        {
            var path = ClaimPath(reservations.Path, port);
            File.WriteAllBytes(path, []);
            File.SetLastWriteTimeUtc(path, stale);
        }

        var ports = FreeTcpPorts.Pick(2, IPAddress.Loopback, reservations.Path);

        Assert.All(ports, port => Assert.True(
            File.GetLastWriteTimeUtc(ClaimPath(reservations.Path, port)) > stale + FreeTcpPorts.ClaimLifetime,
            $"port {port} was picked without renewing its stale claim"));
    }

    private static string ClaimPath(string directory, int port) => Path.Combine(directory, port.ToString(CultureInfo.InvariantCulture));
}
