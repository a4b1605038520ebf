using Orleans.EventPipeline.Silo.Gateway;

namespace Orleans.EventPipeline.Tests.Gateway;

public sealed class GatewayOptionsTests
{
    [Fact]
    public void Validate_Defaults_AreValid() => Assert.True(new GatewayOptionsValidator().Validate(null, new GatewayOptions()).Succeeded);

    [Fact]
    public void Validate_InFlightBudgetBelowOneMaximumRequest_NamesTheSettingAndTheMinimum()
    {
        var options = new GatewayOptions { MaxDecompressedBytes = 32 * 1024 * 1024, MaxInFlightBytes = 32 * 1024 * 1024 };

        var problem = Assert.Single(new GatewayOptionsValidator().Validate(null, options).Failures!);

        Assert.Contains($"Pipeline:Gateway:MaxInFlightBytes is {32 * 1024 * 1024}: use at least {options.OneRequestPeakBytes}", problem, StringComparison.Ordinal);
        Assert.True(options.OneRequestPeakBytes > 2L * options.MaxDecompressedBytes, "a body and its frames");
    }
}
