using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Producing;

public sealed class OversizeMessageTests
{
    [Fact]
    public async Task Send_TransferOverMaxMessageSize_RejectedWithSizeExceededAndLinkKeepsWorking()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using RawAmqpClient client = await RawAmqpClient.ConnectAsync(emulator);
        SendingAmqpLink link = await client.OpenSenderAsync($"/{TestEmulator.Hub}/Partitions/0");

        Outcome oversize = await RawAmqpClient.SendAsync(link, AmqpMessage.Create(new Data { Value = new ArraySegment<byte>(new byte[(1 << 20) + 1]) }));
        Outcome small = await RawAmqpClient.SendAsync(link, AmqpMessage.Create(new Data { Value = new ArraySegment<byte>(new byte[100]) }));

        Rejected rejected = Assert.IsType<Rejected>(oversize);
        Assert.Equal("amqp:link:message-size-exceeded", rejected.Error.Condition.Value);
        Assert.IsType<Accepted>(small);
    }
}
