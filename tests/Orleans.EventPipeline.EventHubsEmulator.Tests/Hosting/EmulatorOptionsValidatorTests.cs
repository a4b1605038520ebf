using Microsoft.Extensions.Options;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Hosting;

public sealed class EmulatorOptionsValidatorTests
{
    [Fact]
    public void Validate_EveryProblem_ReportedWithTheSettingName()
    {
        var options = new EmulatorOptions
        {
            ListenAddress = "not-an-ip",
            Port = 70000,
            Hubs = { ["bad/name"] = new EventHubDefinition { PartitionCount = 0 } },
            MaxMessageSizeBytes = 10,
        };

        ValidateOptionsResult result = new EmulatorOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        string[] failures = [.. result.Failures!];
        Assert.Contains(failures, static f => f.StartsWith("EventHubsEmulator:ListenAddress", StringComparison.Ordinal));
        Assert.Contains(failures, static f => f.StartsWith("EventHubsEmulator:Port", StringComparison.Ordinal));
        Assert.Contains(failures, static f => f.Contains("'bad/name' is not a valid hub name", StringComparison.Ordinal));
        Assert.Contains(failures, static f => f.StartsWith("EventHubsEmulator:Hubs:bad/name:PartitionCount", StringComparison.Ordinal));
        Assert.Contains(failures, static f => f.StartsWith("EventHubsEmulator:SharedAccessKeys", StringComparison.Ordinal));
        Assert.Contains(failures, static f => f.StartsWith("EventHubsEmulator:MaxMessageSizeBytes", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0, 1000, "EventHubsEmulator:OpenTimeout")]
    [InlineData(121, 1000, "EventHubsEmulator:OpenTimeout")]
    [InlineData(10, 0, "EventHubsEmulator:MaxConnections")]
    public void Validate_ConnectionLimitsOutOfRange_ReportedWithTheSettingName(int openTimeoutSeconds, int maxConnections, string setting)
    {
        EmulatorOptions options = TestEmulator.CreateOptions("./data");
        options.OpenTimeout = TimeSpan.FromSeconds(openTimeoutSeconds);
        options.MaxConnections = maxConnections;

        ValidateOptionsResult result = new EmulatorOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.StartsWith(setting, Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_InvalidOptions_ThrowsBeforeListening()
    {
        await using var server = new EventHubsEmulatorServer(new EmulatorOptions());

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => server.StartAsync());

        Assert.Contains("EventHubsEmulator:Hubs is empty", error.Message, StringComparison.Ordinal);
    }
}
