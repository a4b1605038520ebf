using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Security;

public sealed class SharedAccessKeyTests
{
    private static readonly EventHubProducerClientOptions NoRetries = new() { RetryOptions = new EventHubsRetryOptions { MaximumRetries = 0 } };

    [Fact]
    public async Task SendAsync_WrongKey_Unauthorized()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        string wrongKey = emulator.ConnectionString.Replace(TestEmulator.Key, "d3Jvbmcta2V5", StringComparison.Ordinal);
        await using var producer = new EventHubProducerClient(wrongKey, NoRetries);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => producer.SendAsync([new EventData("x")]));
    }

    [Fact]
    public async Task GetEventHubPropertiesAsync_UnknownKeyName_Unauthorized()
    {
        await using TestEmulator emulator = await TestEmulator.StartAsync();
        string wrongName = emulator.ConnectionString.Replace(TestEmulator.KeyName, "SomeOtherKey", StringComparison.Ordinal);
        await using var producer = new EventHubProducerClient(wrongName, NoRetries);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => producer.GetEventHubPropertiesAsync());
    }
}
