namespace Orleans.EventPipeline.Tests.Hosting;

public sealed class BadConfigurationTests
{
    // EX_CONFIG from sysexits.h, what the host returns for a refused configuration.
    private const int ConfigurationExitCode = 78;

    [Theory]
    [InlineData("--Pipeline:SiloPort=70000", "Pipeline:SiloPort is 70000")]
    [InlineData("--Pipeline:GatewayPort=not-a-port", "'not-a-port' at 'Pipeline:GatewayPort'")]
    [InlineData("--Pipeline:SiloPrt=11111", "'SiloPrt'")]
    [InlineData("--Pipeline:ServiceId= ", "Pipeline:ServiceId is empty")]
    [InlineData("--Pipeline:Local:RetentionBytesPerPartition=1000", "Pipeline:Local:RetentionBytesPerPartition is 1000")]
    [InlineData("--Pipeline:Local:RetentionPeriod=00:00:00", "Pipeline:Local:RetentionPeriod is 00:00:00")]
    [InlineData("--Pipeline:StreamCache:MaxRelativeAge=00:00:00", "Pipeline:StreamCache:MaxRelativeAge is 00:00:00: use a duration above zero and at most 00:30:00, e.g. 00:00:45.")]
    [InlineData("--Pipeline:StreamCache:MaxBytes=1024", "Pipeline:StreamCache:MaxBytes is 1024: use at least 16777216 bytes")]
    [InlineData("--Pipeline:StreamCache:MinTimeInCache=02:00:00", "Pipeline:StreamCache:MinTimeInCache is 02:00:00")]
    [InlineData("--Pipeline:StreamCache:PrefetchCount=0", "Pipeline:StreamCache:PrefetchCount is 0: use 1 to 1000 messages, e.g. 8.")]
    [InlineData("--Pipeline:DerivedStreams:MaxQueueBytes=4096", "Pipeline:DerivedStreams:MaxQueueBytes is 4096: use at least 1048576 bytes (the largest message)")]
    [InlineData("--Pipeline:DerivedStreams:MaxCacheBytes=1048576", "Pipeline:DerivedStreams:MaxCacheBytes is 1048576: use at least 16777216 bytes")]
    [InlineData("--Pipeline:Ingest:MaxMessageBytes=100000", "Pipeline:Ingest:MaxMessageBytes is 100000: use 262148 (the largest event the gateway accepts, 262144 bytes, with its 4-byte frame prefix) to 1000000")]
    [InlineData("--Pipeline:Ingest:RetryAfter=00:00:05", "'RetryAfter'")]
    [InlineData("--Pipeline:Ingest:IdempotencySweepInterval=00:00:00", "Pipeline:Ingest:IdempotencySweepInterval is 00:00:00: use 00:00:01 to 01:00:00")]
    [InlineData("--Pipeline:Role=worker", "Pipeline:Role 'worker' is not a role: use all (the default: one process does everything), gateway (HTTP API only) or processor")]
    [InlineData("--Pipeline:Role=7", "Pipeline:Role '7' is not a role")]
    [InlineData("--Pipeline:Role=gateway", "Pipeline:Role is gateway, but local mode runs the whole pipeline in one process")]
    [InlineData("--Pipeline:Role=processor", "--Pipeline:Mode=Azure for a cluster of gateway and processor silos")]
    [InlineData("--Pipeline:Shippers:OtlpGrpcPort=70000", "Pipeline:Shippers:OtlpGrpcPort is 70000")]
    [InlineData("--Pipeline:LookupDirectory=/", "Pipeline:LookupDirectory '/' is or holds Pipeline:DataDirectory")]
    [InlineData("--Pipeline:LookupDirectory= ", "Pipeline:LookupDirectory is blank")]
    [InlineData("--Logging:Console:FormatterName=jsn", "Logging:Console:FormatterName 'jsn' is not a console formatter: use json, simple or systemd.")]
    public async Task Start_BadSetting_ExitsNonZeroNamingTheSetting(string argument, string expected)
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path, argument);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ConfigurationExitCode, exitCode);
        Assert.Contains("configuration is invalid", silo.Output, StringComparison.Ordinal);
        Assert.Contains(expected, silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WrongSettingsInSeveralSections_ReportsEveryOneAtOnce()
    {
        // Each section is bound to its own options class; a misspelt key in one must not hide the wrong
        // values of the others, nor one section's failures another's.
        (string Argument, string Expected)[] wrong =
        [
            ("--Pipeline:Archive:Containr=x", "'Containr'"),
            ("--Pipeline:AdvertisedAddress=silo-1", "Pipeline:AdvertisedAddress 'silo-1' is not an IP address"),
            ("--Pipeline:AdminApiKey=short", "Pipeline:AdminApiKey is shorter than 16 characters"),
            ("--Pipeline:EventHubName= ", "Pipeline:EventHubName is empty"),
            ("--Pipeline:Local:PartitionCount=0", "Pipeline:Local:PartitionCount is 0"),
            ("--Pipeline:Gateway:MaxBodyBytes=10", "Pipeline:Gateway:MaxBodyBytes is 10"),
            ("--Pipeline:Gateway:DurableWriteTimeout=00:00:00", "Pipeline:Gateway:DurableWriteTimeout is 00:00:00"),
            ("--Pipeline:Processing:SettingsRefreshInterval=00:00:00", "Pipeline:Processing:SettingsRefreshInterval 00:00:00 is out of range"),
            ("--Pipeline:Processing:RetainedDeadLetterBytes=-5", "Pipeline:Processing:RetainedDeadLetterBytes -5 is out of range"),
            ("--Pipeline:StreamCache:MinTimeInCache=00:00:00", "Pipeline:StreamCache:MinTimeInCache is 00:00:00"),
            ("--Pipeline:Warmup:EventsPerSecond=5", "Pipeline:Warmup:EventsPerSecond is 5"),
            ("--Pipeline:Warmup:LargeRequestsPerSecond=-1", "Pipeline:Warmup:LargeRequestsPerSecond is -1"),
            ("--Pipeline:Warmup:Longest=01:00:00", "Pipeline:Warmup:Longest is 01:00:00"),
        ];
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path, [.. wrong.Select(static setting => setting.Argument)]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ConfigurationExitCode, exitCode);
        Assert.All(wrong, setting => Assert.Contains(setting.Expected, silo.Output, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AzureModeWithoutItsServices_NamesEachMissingOneWithTheOtherWrongSettings()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(
            data.Path,
            "--Pipeline:Mode=Azure",
            "--Pipeline:Azure:TableServiceUri=tables",
            "--Pipeline:Archive:Container=Archive",
            "--Pipeline:SiloPort=70000");

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ConfigurationExitCode, exitCode);
        Assert.Contains("Azure mode needs exactly one of Pipeline:Azure:EventHubsConnectionString or Pipeline:Azure:EventHubsNamespace", silo.Output, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Azure:TableServiceUri 'tables' is not an absolute URI", silo.Output, StringComparison.Ordinal);
        Assert.Contains("Azure mode archives to Blob storage: set Pipeline:Archive:BlobServiceUri", silo.Output, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Archive:Container 'Archive' is not a Blob container name", silo.Output, StringComparison.Ordinal);
        // Reported once, by the Pipeline section's validator, though the archive's check reads the mode from that section.
        Assert.Single(silo.Output.Split('\n'), line => line.Contains("Pipeline:SiloPort is 70000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_PartitionCountChangedOnExistingData_ExitsNamingBothCounts()
    {
        using var data = new TempDirectory();
        await using (var first = SiloProcess.Start(data.Path, "--Pipeline:Local:PartitionCount=1"))
        {
            await first.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(45)));
        }

        await using var second = SiloProcess.Start(data.Path, "--Pipeline:Local:PartitionCount=4");
        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ConfigurationExitCode, exitCode);
        Assert.Contains("has 1 partitions", second.Output, StringComparison.Ordinal);
        Assert.Contains("configuration is invalid", second.Output, StringComparison.Ordinal);
        Assert.Contains("PartitionCount is 4", second.Output, StringComparison.Ordinal);
    }
}
