using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.Tests.Hosting;

public sealed class DataDirectoryLockTests
{
    // EX_CANTCREAT from sysexits.h, as the agent's spool directory in use.
    private const int DataDirectoryExitCode = 73;

    // EX_CONFIG.
    private const int ConfigurationExitCode = 78;

    /// <summary>
    /// Also with the first's Orleans and emulator ports (the same command run twice): the directory is named, not the ports,
    /// which the port check before the silo's start named as another program's until it came after the lock (helper-142).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Start_OnTheDataDirectoryOfARunningSilo_ExitsNamingItBeforeItsSiloStarts_AndTheFirstKeepsServing(bool samePorts)
    {
        using var data = new TempDirectory();
        string[] ports = samePorts
            ? [.. OrleansAndEmulatorPorts.Zip(FreeTcpPorts.Pick(OrleansAndEmulatorPorts.Length), static (setting, port) => $"--Pipeline:{setting}={port}")]
            : [];
        await using var first = await SiloProcess.StartReadyAsync(data.Path, ports);

        await using var second = SiloProcess.Start(data.Path, ports);
        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        // Before the fix the emulator's partition log refused it from inside a hosted service: SIGABRT (134), after
        // the second silo had started, with the exception's stack trace.
        Assert.Equal(DataDirectoryExitCode, exitCode);
        Assert.Contains($"Pipeline:DataDirectory '{data.Path}' is in use by another silo", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Started silo", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Opened partition log", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.Output, StringComparison.Ordinal);
        Assert.False(first.HasExited);
        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Start_WithItsOwnDataDirectoryOnTheArchiveDirectoryOfARunningSilo_ExitsNamingTheArchiveDirectory()
    {
        using var data = new TempDirectory();
        using var otherData = new TempDirectory();
        using var archive = new TempDirectory();
        await using var first = await SiloProcess.StartReadyAsync(data.Path, $"--Pipeline:Archive:Directory={archive.Path}");

        await using var second = SiloProcess.Start(otherData.Path, $"--Pipeline:Archive:Directory={archive.Path}");
        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        // Before, the second started and wrote its hub's positions under the same archive object names as the first.
        Assert.Equal(DataDirectoryExitCode, exitCode);
        Assert.Contains($"Pipeline:Archive:Directory '{archive.Path}' is in use by another silo", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Started silo", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.Output, StringComparison.Ordinal);
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task Start_WithItsOwnDataDirectoryOnTheDefaultArchiveOfARunningSilo_ExitsNamingIt()
    {
        using var data = new TempDirectory();
        using var otherData = new TempDirectory();
        await using var first = await SiloProcess.StartReadyAsync(data.Path);
        var firstsArchive = Path.Combine(data.Path, "archive");

        await using var second = SiloProcess.Start(otherData.Path, $"--Pipeline:Archive:Directory={firstsArchive}");
        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        // Before (helper-103), the first silo's default archive, inside its data directory, was not held.
        Assert.Equal(DataDirectoryExitCode, exitCode);
        Assert.Contains($"Pipeline:Archive:Directory '{firstsArchive}' lies inside '{data.Path}', a directory a silo took", second.Output, StringComparison.Ordinal);
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task Start_WithADirectoryInsideAnotherSilos_ExitsNamingBoth()
    {
        using var data = new TempDirectory();
        using var otherData = new TempDirectory();
        await using var first = await SiloProcess.StartReadyAsync(data.Path);
        var nested = Path.Combine(data.Path, "archive", "second");

        await using var second = SiloProcess.Start(otherData.Path, $"--Pipeline:Archive:Directory={nested}");
        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(DataDirectoryExitCode, exitCode);
        Assert.Contains($"Pipeline:Archive:Directory '{nested}' lies inside '{Path.Combine(data.Path, "archive")}', a directory a silo took", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.Output, StringComparison.Ordinal);
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task Start_DirectoriesWithATrailingSlash_StartsAndStartsAgain()
    {
        // "/data/": its own lock was taken for another silo's above its archive (helper-107), and at a restart the
        // archive's own lock file was taken for one above it.
        using var data = new TempDirectory();
        using var archive = new TempDirectory();
        string[] settings = [$"--Pipeline:Archive:Directory={archive.Path}/"];
        await (await SiloProcess.StartReadyAsync(data.Path + "/")).DisposeAsync();
        await (await SiloProcess.StartReadyAsync(data.Path + "/", settings)).DisposeAsync();

        await using var again = await SiloProcess.StartReadyAsync(data.Path + "/", settings);

        Assert.False(again.HasExited);
    }

    [Fact]
    public async Task Start_WithTheFileSystemsRootAsTheArchive_ExitsAsAConfigurationError()
    {
        // "/" holds every data directory; it was taken for one that does not, as "//" (helper-108).
        using var data = new TempDirectory();

        await using var silo = SiloProcess.Start(data.Path, "--Pipeline:Archive:Directory=/");
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ConfigurationExitCode, exitCode);
        Assert.Contains($"Pipeline:Archive:Directory '/' is or holds Pipeline:DataDirectory '{data.Path}'", silo.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    public async Task Start_WithAnArchiveThatIsOrHoldsTheDataDirectory_ExitsAsAConfigurationError(string archiveFromData)
    {
        // Deleting a tenant named "eventhubs" with its data would delete the emulator's partition logs there.
        using var root = new TempDirectory();
        var data = Path.Combine(root.Path, "data");
        var archive = Path.GetFullPath(Path.Combine(data, archiveFromData));

        await using var silo = SiloProcess.Start(data, $"--Pipeline:Archive:Directory={archive}");
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ConfigurationExitCode, exitCode);
        Assert.Contains($"Pipeline:Archive:Directory '{archive}' is or holds Pipeline:DataDirectory '{data}'", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Started silo", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", silo.Output, StringComparison.Ordinal);
    }

    private static readonly string[] OrleansAndEmulatorPorts = ["SiloPort", "GatewayPort", "Local:EventHubsPort"];
}
