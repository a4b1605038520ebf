using System.Net;
using System.Net.Sockets;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// A port of the silo's taken by another program (helper-133 ran the README's second-instance command, which left the
/// OTLP/gRPC port at its default, beside a first silo): the silo aborted with a stack trace and code 134. It exits
/// with code 78 and one line naming the setting and the port, whichever listener found it taken.
/// </summary>
public sealed class PortInUseTests
{
    // EX_CONFIG, as for a wrong setting.
    private const int PortInUseExitCode = 78;

    // The ports whose listeners bind with SO_REUSEPORT, in the order the answer names them.
    private static readonly string[] SharedPorts = ["Pipeline:SiloPort", "Pipeline:GatewayPort", "Pipeline:Local:EventHubsPort"];

    [Theory]
    [InlineData("Urls", "(Urls)")]
    [InlineData("Pipeline:Shippers:OtlpGrpcPort", "(Pipeline:Shippers:OtlpGrpcPort)")]
    [InlineData("Pipeline:SiloPort", "Pipeline:SiloPort=")]
    [InlineData("Pipeline:GatewayPort", "Pipeline:GatewayPort=")]
    [InlineData("Pipeline:Local:EventHubsPort", "Pipeline:Local:EventHubsPort=")]
    public async Task Start_WithAPortAnotherProgramHolds_Exits78NamingTheSettingAndPort(string setting, string named)
    {
        using var data = new TempDirectory();
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;
        var value = setting == "Urls" ? $"http://127.0.0.1:{port}" : port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await using var silo = SiloProcess.Start(data.Path, $"--{setting}={value}");
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(PortInUseExitCode, exitCode);
        var expected = setting == "Urls" || setting.EndsWith("OtlpGrpcPort", StringComparison.Ordinal) ? $"http://127.0.0.1:{port} {named}" : $"{named}{port} is in use";
        Assert.Contains($"The pipeline did not start: {expected}", silo.Output, StringComparison.Ordinal);
        Assert.Contains("give this silo other ports", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", silo.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Ports held as another silo holds them: Orleans' listeners and the embedded emulator bind with .NET's ReuseAddress,
    /// which on Linux is SO_REUSEPORT too, so a second local silo given a running one's ports did not fail its binds. It
    /// started beside it, the two shared each port, and each archived some of the other's events while some it
    /// acknowledged were never read (helper-140). The start now stops, naming every such port.
    /// </summary>
    [Fact]
    public async Task Start_WithPortsAnotherSiloHolds_Exits78NamingEachOne()
    {
        using var data = new TempDirectory();
        var held = SharedPorts
            .Select(static setting => (Setting: setting, Socket: ListenAsASiloDoes()))
            .ToList();
        try
        {
            await using var silo = SiloProcess.Start(data.Path, [.. held.Select(static h => $"--{h.Setting}={Port(h.Socket)}")]);
            var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(90));

            Assert.Equal(PortInUseExitCode, exitCode);
            var named = string.Join(" and ", held.Select(static h => $"{h.Setting}={Port(h.Socket)}"));
            Assert.Contains($"The pipeline did not start: {named} are in use by another program", silo.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", silo.Output, StringComparison.Ordinal);
            // One line, not the host's error with the exception's stack trace besides (helper-143).
            Assert.DoesNotContain("   at ", silo.Output, StringComparison.Ordinal);
        }
        finally
        {
            held.ForEach(static h => h.Socket.Dispose());
        }
    }

    private static Socket ListenAsASiloDoes()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        return socket;
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;
}
