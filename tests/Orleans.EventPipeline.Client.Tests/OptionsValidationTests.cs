namespace Orleans.EventPipeline.Client.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public void EveryProblemIsNamed_AndTheClientRefusesToOpen()
    {
        var options = new EventPipelineClientOptions
        {
            Endpoint = new Uri("ftp://example.invalid/"),
            MaxSpoolBytes = 100_000,
            MaxBatchBytes = 1024 * 1024,
            RetryMaxDelay = TimeSpan.FromMilliseconds(1),
        };

        var errors = options.Validate();
        Assert.Contains(errors, static e => e.StartsWith("Endpoint ", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.StartsWith("ApiKey ", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.StartsWith("SpoolDirectory ", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("MaxSpoolBytes (100000) must hold at least two batches of MaxBatchBytes (1048576)", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.StartsWith("RetryMaxDelay ", StringComparison.Ordinal));
        var refused = Assert.Throws<ArgumentException>(() => new EventPipelineClient(options));
        Assert.Contains("SpoolDirectory", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxBatchDelay_UnderAMillisecond_IsRefused()
    {
        // 2 ticks passed: the cut loop's tick (a quarter of it) was 0 and an idle client spun at 87% CPU (finding 8).
        var errors = new EventPipelineClientOptions { Endpoint = new Uri("http://127.0.0.1:5080"), ApiKey = "k", SpoolDirectory = "spool", MaxBatchDelay = TimeSpan.FromTicks(2) }.Validate();

        Assert.Contains(errors, static e => e.StartsWith("MaxBatchDelay must be at least 00:00:00.0010000", StringComparison.Ordinal));
    }

    [Fact]
    public void Defaults_WithTheRequiredSettings_AreValid() =>
        Assert.Empty(new EventPipelineClientOptions { Endpoint = new Uri("http://127.0.0.1:5080"), ApiKey = "k", SpoolDirectory = "spool" }.Validate());
}
