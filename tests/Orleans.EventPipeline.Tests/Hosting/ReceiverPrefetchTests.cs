using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// The Event Hubs receivers' prefetch is the silo's setting, not the SDK's default of 300 messages, which sat outside
/// every memory budget: the host as the silo builds it, built and not started.
/// </summary>
public sealed class ReceiverPrefetchTests
{
    [Theory]
    [InlineData(null, 8)]
    [InlineData("7", 7)]
    public async Task PrefetchCount_TheStreamCacheSetting_IsTheReceiversPrefetch(string? configured, int expected)
    {
        using var data = new TempDirectory();
        await using var app = configured is null
            ? BuiltSilo.Create(data)
            : BuiltSilo.Create(data, $"--Pipeline:StreamCache:PrefetchCount={configured}");

        var receiver = app.Services.GetRequiredService<IOptionsMonitor<EventHubReceiverOptions>>().Get(PipelineStreams.ProviderName);
        Assert.Equal(expected, receiver.PrefetchCount);
    }
}
