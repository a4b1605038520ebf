namespace Orleans.EventPipeline.Tests.Hosting;

public sealed class SiloHelpTests
{
    // --help was a setting of no value: the silo started on its default ports and created its data directory.
    [Fact]
    public async Task Help_ListsTheSettingsWithTheirDefaults_AndStartsNothing()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path, "--help");

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, silo.Output);
        Assert.Contains("--Pipeline:SiloPort=11111", silo.Output, StringComparison.Ordinal);
        Assert.Contains("--Pipeline:Gateway:MaxBodyBytes=10485760", silo.Output, StringComparison.Ordinal);
        Assert.Contains("--Pipeline:Archive:MaxBytes=8388608", silo.Output, StringComparison.Ordinal);
        Assert.Contains("--Pipeline:Warmup:Longest=00:00:30", silo.Output, StringComparison.Ordinal);
        // An enum as the docs name it, with its other names; the settings appsettings.json gives (helper-133: neither was listed).
        Assert.Contains("--Pipeline:Role=all", silo.Output, StringComparison.Ordinal);
        Assert.Contains("one of all, gateway, processor", silo.Output, StringComparison.Ordinal);
        Assert.Contains("--Urls=http://127.0.0.1:5080", silo.Output, StringComparison.Ordinal);
        Assert.Contains("--Logging:Console:FormatterName=json", silo.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(data.Path));
    }

    // What --help lists is what the silo binds: every line given back to it is taken, and a wrong value beside them is
    // the only problem reported (an unknown key would be one more).
    [Fact]
    public async Task EverySettingHelpLists_IsTakenBack()
    {
        using var data = new TempDirectory();
        string listed;
        await using (var help = SiloProcess.Start(data.Path, "--help"))
        {
            Assert.Equal(0, await help.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            listed = help.Output;
        }

        var settings = listed.Split('\n')
            .Select(static line => line.Trim())
            .Where(static line => line.StartsWith("--Pipeline:", StringComparison.Ordinal) && !line.Contains("list:", StringComparison.Ordinal))
            .Select(static line => line.Replace("=(empty)", "=", StringComparison.Ordinal))
            .ToList();
        Assert.True(settings.Count > 50, listed);

        await using var silo = SiloProcess.Start(data.Path, [.. settings, "--Pipeline:SiloPort=70000"]);
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 78, silo.Output);
        var problems = silo.Output.Split('\n').Where(static line => line.StartsWith("  - ", StringComparison.Ordinal)).ToList();
        Assert.True(problems.Count == 1 && problems[0].Contains("Pipeline:SiloPort is 70000", StringComparison.Ordinal), silo.Output);
    }
}
