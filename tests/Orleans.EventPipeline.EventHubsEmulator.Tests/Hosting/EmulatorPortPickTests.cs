using System.Net;
using System.Net.Sockets;
using Azure.Messaging.EventHubs.Producer;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Hosting;

/// <summary>
/// With Port 0 the emulator picks a port before azure-amqp binds it; another process can bind it in
/// between (CI saw "address already in use" from a pick). Such a start picks again; a configured port
/// taken is the operator's to fix and fails at once.
/// </summary>
public sealed class EmulatorPortPickTests
{
    [Fact]
    public async Task StartAsync_PickedPortTakenBeforeTheBind_PicksAnotherAndServesClients()
    {
        using var data = new TempDirectory();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var picks = new List<int>();
        int Pick(IPAddress address)
        {
            int port = picks.Count == 0 ? taken : FreeTcpPorts.Pick(1, address)[0];
            picks.Add(port);
            return port;
        }

        await using var server = new EventHubsEmulatorServer(
            TestEmulator.CreateOptions(data.Path, partitionCount: 2), NullLoggerFactory.Instance, TimeProvider.System, logOpener: null, Pick);
        await server.StartAsync();

        Assert.Equal(2, picks.Count);
        Assert.Equal(picks[1], server.Endpoint.Port);
        await using var producer = new EventHubProducerClient(server.ConnectionString(TestEmulator.Hub));
        Assert.Equal(["0", "1"], await producer.GetPartitionIdsAsync());
    }

    [Fact]
    public async Task StartAsync_EveryPickTaken_FailsAfterTheLastAttempt()
    {
        using var data = new TempDirectory();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        int picks = 0;

        await using var server = new EventHubsEmulatorServer(
            TestEmulator.CreateOptions(data.Path), NullLoggerFactory.Instance, TimeProvider.System, logOpener: null, _ => { picks++; return taken; });

        SocketException failure = await Assert.ThrowsAsync<SocketException>(() => server.StartAsync());
        Assert.Equal(SocketError.AddressAlreadyInUse, failure.SocketErrorCode);
        Assert.Equal(EventHubsEmulatorServer.PickedPortAttempts, picks);
    }

    [Fact]
    public async Task StartAsync_ConfiguredPortTaken_FailsWithoutPicking()
    {
        using var data = new TempDirectory();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        EmulatorOptions options = TestEmulator.CreateOptions(data.Path);
        options.Port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        int picks = 0;

        await using var server = new EventHubsEmulatorServer(
            options, NullLoggerFactory.Instance, TimeProvider.System, logOpener: null, _ => ++picks);

        SocketException failure = await Assert.ThrowsAsync<SocketException>(() => server.StartAsync());
        Assert.Equal(SocketError.AddressAlreadyInUse, failure.SocketErrorCode);
        Assert.Equal(0, picks);
    }
}
