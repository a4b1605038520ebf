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
    public void MaxSpoolBytes_UnderTwiceTheRoomKeptForTheReserveAndASplitRecord_IsRefused()
    {
        // 64 KiB passed: the reserve file alone took as much beside the batches, so the spool's files took twice the bound.
        var errors = new EventPipelineClientOptions { Endpoint = new Uri("http://127.0.0.1:5080"), ApiKey = "k", SpoolDirectory = "spool", MaxSpoolBytes = 64 * 1024, MaxBatchBytes = 1024 }.Validate();

        Assert.Contains(errors, static e => e.StartsWith("MaxSpoolBytes must be at least 262144 (got 65536)", StringComparison.Ordinal));
    }

    [Fact]
    public void MaxBatchDelay_UnderAMillisecond_IsRefused()
    {
        // 2 ticks passed: the cut loop's tick (a quarter of it) was 0 and an idle client spun at 87% CPU (finding 8).
        var errors = new EventPipelineClientOptions { Endpoint = new Uri("http://127.0.0.1:5080"), ApiKey = "k", SpoolDirectory = "spool", MaxBatchDelay = TimeSpan.FromTicks(2) }.Validate();

        Assert.Contains(errors, static e => e.StartsWith("MaxBatchDelay must be at least 00:00:00.0010000", StringComparison.Ordinal));
    }

    [Fact]
    public void MaxBatchBytes_OverWhatTheGatewayTakesOnTheWire_IsRefused()
    {
        // 16 MiB passed (up to 32 MiB did): uncompressed, 8,248 of 10,000 events were lost to the gateway's 413 over 10 MiB.
        var errors = new EventPipelineClientOptions { Endpoint = new Uri("http://127.0.0.1:5080"), ApiKey = "k", SpoolDirectory = "spool", MaxBatchBytes = 16 * 1024 * 1024, Compress = false }.Validate();

        Assert.Contains(errors, static e => e.StartsWith("MaxBatchBytes must be between 1024 and 8388608", StringComparison.Ordinal));
    }

    [Fact]
    public void Defaults_WithTheRequiredSettings_AreValid() =>
        Assert.Empty(new EventPipelineClientOptions { Endpoint = new Uri("http://127.0.0.1:5080"), ApiKey = "k", SpoolDirectory = "spool" }.Validate());
}
