using Microsoft.Azure.Amqp;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Producing;

public sealed class IdempotentProducerTests
{
    [Fact]
    public async Task Attach_IdempotentProducerCapability_RefusedWithNotImplemented()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using RawAmqpClient client = await RawAmqpClient.ConnectAsync(emulator);

        AmqpException refused = await Assert.ThrowsAsync<AmqpException>(() => client.OpenSenderAsync($"/{TestEmulator.Hub}/Partitions/0", "com.microsoft:idempotent-producer"));

        Assert.Equal(AmqpErrorCode.NotImplemented, refused.Error.Condition);
    }
}
