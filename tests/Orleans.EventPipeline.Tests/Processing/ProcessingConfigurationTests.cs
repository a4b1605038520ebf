using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Processing;

public sealed class ProcessingConfigurationTests
{
    // EX_CONFIG from sysexits.h, what the host returns for a refused configuration.
    private const int ConfigurationExitCode = 78;

    [Theory]
    [InlineData("--Pipeline:Archive:MaxAge=00:11:00", "Pipeline:Archive:MaxAge 00:11:00 is longer than 00:10:00")]
    [InlineData("--Pipeline:Archive:MaxEvents=0", "Pipeline:Archive:MaxEvents 0 must be at least 1")]
    [InlineData("--Pipeline:Archive:MaxBytes=10", "Pipeline:Archive:MaxBytes 10 is below 1024")]
    [InlineData("--Pipeline:Archive:MaxBufferedBytes=1048576", "Pipeline:Archive:MaxBufferedBytes 1048576 is below Pipeline:Archive:MaxBytes (8388608)")]
    [InlineData("--Pipeline:Archive:MaxAge=00:00:00", "Pipeline:Archive:MaxAge 00:00:00 is out of range")]
    [InlineData("--Pipeline:Archive:FlushCheckInterval=00:00:00", "Pipeline:Archive:FlushCheckInterval 00:00:00 must be above 0")]
    [InlineData("--Pipeline:Processing:RetainedDeadLetters=-1", "Pipeline:Processing:RetainedDeadLetters -1 is out of range")]
    [InlineData("--Pipeline:GrainAssemblies:0=/no/such/Grains.dll", "Pipeline:GrainAssemblies:0 '/no/such/Grains.dll' does not exist")]
    [InlineData("--Pipeline:Archive:Containr=x", "'Containr'")]
    [InlineData("--Pipeline:GrainAssemblies:0={data}", "is a folder: give the built grain assembly in it")]
    [InlineData("--Pipeline:GrainAssemblies:0={data}/junk.dll", "/junk.dll' is not a .NET assembly (")]
    public async Task Start_BadProcessingSetting_ExitsWithConfigurationErrorNamingIt(string argument, string expected)
    {
        using var data = new TempDirectory();
        // A file named .dll that is not an assembly (helper-141: the load aborted the start with code 134), and the data folder itself.
        await File.WriteAllTextAsync(Path.Combine(data.Path, "junk.dll"), "x\n");
        argument = argument.Replace("{data}", data.Path, StringComparison.Ordinal);
        await using var silo = SiloProcess.Start(data.Path, argument);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ConfigurationExitCode, exitCode);
        Assert.Contains(expected, silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", silo.Output, StringComparison.Ordinal);
    }
}
