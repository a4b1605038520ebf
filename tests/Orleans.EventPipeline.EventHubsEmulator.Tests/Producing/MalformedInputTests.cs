using System.Net.Sockets;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Producing;

public sealed class MalformedInputTests
{
    private const uint BatchFormat = 0x80013700;

    [Fact]
    public async Task Send_BatchWithUndecodableEvent_RejectedAndNothingStored()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using RawAmqpClient client = await RawAmqpClient.ConnectAsync(emulator);
        SendingAmqpLink link = await client.OpenSenderAsync($"/{TestEmulator.Hub}/Partitions/0");
        AmqpMessage valid = AmqpMessage.Create(new Data { Value = new ArraySegment<byte>("fine"u8.ToArray()) });
        AmqpMessage envelope = AmqpMessage.Create(
        [
            new Data { Value = new ArraySegment<byte>(Encode(valid)) },
            new Data { Value = new ArraySegment<byte>([0x00, 0x53, 0x75, 0xB0, 0xFF, 0xFF, 0xFF, 0x7F]) },
        ]);
        envelope.MessageFormat = BatchFormat;

        Outcome outcome = await RawAmqpClient.SendAsync(link, envelope);

        Rejected rejected = Assert.IsType<Rejected>(outcome);
        Assert.Equal(AmqpErrorCode.DecodeError, rejected.Error.Condition);
        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        Assert.True((await producer.GetPartitionPropertiesAsync("0")).IsEmpty);
    }

    [Fact]
    public async Task Connect_GarbageBytesInsteadOfAmqp_ConnectionDroppedOthersServed()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(emulator.Server.Endpoint);
            await socket.SendAsync("GET / HTTP/1.1\r\nHost: nope\r\n\r\n"u8.ToArray());
            byte[] buffer = new byte[64];
            using var deadline = new CancellationTokenSource(EventReading.Deadline);
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token) > 0)
            {
                // The server answers with its protocol header, then closes; drain until it does.
            }
        }

        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        await producer.SendAsync([new EventData("after-garbage")], new SendEventOptions { PartitionId = "1" });
        Assert.Single(await EventReading.ReadAsync(emulator.ConnectionString, "1", EventPosition.Earliest, 1));
    }

    [Fact]
    public async Task Send_ConnectionAbortedMidTransfer_NoPartialEventStoredOthersServed()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        RawAmqpClient client = await RawAmqpClient.ConnectAsync(emulator);
        SendingAmqpLink link = await client.OpenSenderAsync($"/{TestEmulator.Hub}/Partitions/2");
        byte[] body = new byte[900 * 1024];
        Array.Fill(body, (byte)0xAB);

        Task<Outcome> send = RawAmqpClient.SendAsync(link, AmqpMessage.Create(new Data { Value = new ArraySegment<byte>(body) }));
        client.Connection.Abort();
        await Assert.ThrowsAnyAsync<Exception>(() => send);

        await using var producer = new EventHubProducerClient(emulator.ConnectionString);
        await producer.SendAsync([new EventData("after-abort")], new SendEventOptions { PartitionId = "2" });
        long last = (await producer.GetPartitionPropertiesAsync("2")).LastEnqueuedSequenceNumber;
        List<EventData> stored = await EventReading.ReadAsync(emulator.ConnectionString, "2", EventPosition.Earliest, (int)(last + 1));
        Assert.Equal("after-abort", EventReading.Text(stored[^1]));
        Assert.All(stored.SkipLast(1), static e => Assert.Equal(900 * 1024, e.EventBody.ToArray().Length));
    }

    private static byte[] Encode(AmqpMessage message)
    {
        using var stream = new MemoryStream();
        foreach (ArraySegment<byte> segment in message.GetPayload())
        {
            stream.Write(segment);
        }

        return stream.ToArray();
    }
}
