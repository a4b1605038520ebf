using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Security;

/// <summary>What a client can hold without speaking AMQP: bounded in time and in number.</summary>
public sealed class ConnectionLimitTests
{
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromMilliseconds(500);

    // Far above the open timeout, and far below the 60 s the handshake could take before the timeout existed.
    private static readonly TimeSpan CloseDeadline = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { (byte)'A', (byte)'M', (byte)'Q', (byte)'P', 3, 1, 0, 0 })] // SASL header, then nothing
    public async Task Connect_ClientStallsBeforeOpen_ClosedAfterOpenTimeoutWhileOpenedConnectionsStay(byte[] sent)
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync(configure: static options => options.OpenTimeout = OpenTimeout);
        await using RawAmqpClient opened = await RawAmqpClient.ConnectAsync(emulator);
        using var stalled = new TcpClient();
        var sinceConnect = Stopwatch.StartNew();
        await stalled.ConnectAsync(IPAddress.Loopback, emulator.Server.Endpoint.Port);
        await stalled.GetStream().WriteAsync(sent);

        bool closed = await ClosedByServerAsync(stalled, CloseDeadline);
        TimeSpan closedAfter = sinceConnect.Elapsed;

        Assert.True(closed, $"a connection that sent {sent.Length} byte(s) and stalled was still open after {CloseDeadline}");
        Assert.True(closedAfter >= OpenTimeout / 2, $"closed after {closedAfter}: before its open timeout of {OpenTimeout} ran out");
        // The connection opened earlier outlived the same timeout and still takes sends.
        Assert.Equal(AmqpObjectState.Opened, opened.Connection.State);
        SendingAmqpLink sender = await opened.OpenSenderAsync($"/{TestEmulator.Hub}/Partitions/0");
        Outcome outcome = await RawAmqpClient.SendAsync(sender, AmqpMessage.Create(new Data { Value = new ArraySegment<byte>([1, 2, 3]) }));
        Assert.IsType<Accepted>(outcome);
    }

    [Fact]
    public async Task Connect_OverMaxConnections_ClosedAtOnceWithOneWarningWhileClientsKeepWorking()
    {
        var logs = new CapturingLoggerFactory();
        await using TestEmulator emulator = await TestEmulator.StartAsync(configure: static options => options.MaxConnections = 2, loggerFactory: logs);
        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        var partition = new SendEventOptions { PartitionId = "0" };
        await producer.SendAsync([new EventData("before")], partition);

        await using (RawAmqpClient second = await RawAmqpClient.ConnectAsync(emulator))
        {
            for (int i = 0; i < 3; i++)
            {
                using var refused = new TcpClient();
                var sinceConnect = Stopwatch.StartNew();
                await refused.ConnectAsync(IPAddress.Loopback, emulator.Server.Endpoint.Port);

                bool closed = await ClosedByServerAsync(refused, CloseDeadline);

                Assert.True(closed, $"connection {i + 3} over the cap of 2 was still open after {CloseDeadline}");
                Assert.True(sinceConnect.Elapsed < emulator.Options.OpenTimeout, $"connection {i + 3} was closed after {sinceConnect.Elapsed}, not at once");
            }

            await producer.SendAsync([new EventData("during")], partition);
            Assert.Equal(AmqpObjectState.Opened, second.Connection.State);
        }

        // The raw client's place is given back once the server has closed its side.
        await WaitForConnectionCountAsync(emulator, 1);
        // A reader gets in and finds both events.
        List<EventData> events = await EventReading.ReadAsync(emulator.ConnectionString, "0", EventPosition.Earliest, 2);
        Assert.Equal(["before", "during"], events.Select(EventReading.Text));
        var warnings = logs.Entries.Where(static e => e.Level == LogLevel.Warning && e.Message.Contains("MaxConnections", StringComparison.Ordinal)).ToList();
        Assert.Single(warnings);
        Assert.Contains("Refused 1 connection(s)", warnings[0].Message, StringComparison.Ordinal);
    }

    private static async Task WaitForConnectionCountAsync(TestEmulator emulator, int expected)
    {
        var deadline = Stopwatch.StartNew();
        while (emulator.Server.ConnectionCount != expected)
        {
            Assert.True(deadline.Elapsed < CloseDeadline, $"the server still holds {emulator.Server.ConnectionCount} connections after {CloseDeadline}, expected {expected}");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    /// <summary>Reads (and drops whatever the server answers) until the server ends the connection or the deadline passes.</summary>
    private static async Task<bool> ClosedByServerAsync(TcpClient client, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        NetworkStream stream = client.GetStream();
        var buffer = new byte[512];
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return false;
        }
        catch (IOException)
        {
            // Reset by the server.
            return true;
        }
    }
}
