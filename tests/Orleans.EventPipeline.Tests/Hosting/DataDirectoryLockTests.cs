namespace Orleans.EventPipeline.Tests.Hosting;

public sealed class DataDirectoryLockTests
{
    // EX_CANTCREAT from sysexits.h, as the agent's spool directory in use.
    private const int DataDirectoryExitCode = 73;

    [Fact]
    public async Task Start_OnTheDataDirectoryOfARunningSilo_ExitsNamingItBeforeItsSiloStarts_AndTheFirstKeepsServing()
    {
        using var data = new TempDirectory();
        await using var first = await SiloProcess.StartReadyAsync(data.Path);

        await using var second = SiloProcess.Start(data.Path);
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
    public async Task Start_WithTheArchiveInItsOwnDataDirectory_TakesOneLock()
    {
        using var data = new TempDirectory();
        await using var silo = await SiloProcess.StartReadyAsync(data.Path, $"--Pipeline:Archive:Directory={data.Path}");

        Assert.False(silo.HasExited);
        Assert.True(File.Exists(Path.Combine(data.Path, "silo.lock")));
    }
}
