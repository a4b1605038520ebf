using Microsoft.Azure.Amqp;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Security;

public sealed class CbsTokenRequiredTests
{
    [Fact]
    public async Task Attach_WithoutPutToken_RefusedAsUnauthorized()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        await using RawAmqpClient client = await RawAmqpClient.ConnectAsync(emulator, putToken: false);

        AmqpException refused = await Assert.ThrowsAsync<AmqpException>(() => client.OpenSenderAsync($"/{TestEmulator.Hub}"));

        Assert.Equal(AmqpErrorCode.UnauthorizedAccess, refused.Error.Condition);
    }
}
