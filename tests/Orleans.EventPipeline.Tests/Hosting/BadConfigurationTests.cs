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
    [InlineData("--Pipeline:Role=worker", "Pipeline:Role 'worker' is not a role: use all (the default: one process does everything), gateway (HTTP API only) or processor")]
    [InlineData("--Pipeline:Role=7", "Pipeline:Role '7' is not a role")]
    [InlineData("--Pipeline:Role=gateway", "Pipeline:Role is gateway, but local mode runs the whole pipeline in one process")]
    [InlineData("--Pipeline:Role=processor", "--Pipeline:Mode=Azure for a cluster of gateway and processor silos")]
    [InlineData("--Pipeline:Shippers:OtlpGrpcPort=70000", "Pipeline:Shippers:OtlpGrpcPort is 70000")]
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
