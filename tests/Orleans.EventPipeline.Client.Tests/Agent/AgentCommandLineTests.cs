using Orleans.EventPipeline.Tests.Support;
using Orleans.EventPipeline.Client.Tests.Support;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>The agent's refusals: a command line that does not parse is 64, a bad setting 78, an unusable spool 73, each naming the problem.</summary>
public sealed class AgentCommandLineTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task UnknownFlag_ExitsWithUsage64()
    {
        var (code, text) = await AgentProcess.RunAsync("--no-such-flag");
        Assert.Equal(64, code);
        Assert.Contains("--no-such-flag", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MisspelledSettingInTheFile_ExitsWithConfiguration78_NamingIt()
    {
        var config = _dir.File("agent.json");
        await File.WriteAllTextAsync(config, """{"Endpoint":"http://127.0.0.1:5080","ApiKey":"k","SpoolDirectory":"/tmp/x","MaxBatchEvent":10}""");
        var (code, text) = await AgentProcess.RunAsync("--config", config, "--stdin");
        Assert.Equal(78, code);
        Assert.Contains("MaxBatchEvent", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidValues_ExitWithConfiguration78_EachNamed()
    {
        var (code, text) = await AgentProcess.RunAsync("--endpoint", "ftp://host", "--syslog-udp", "not-an-endpoint");
        Assert.Equal(78, code);
        Assert.Contains("Endpoint must be an absolute http or https address", text, StringComparison.Ordinal);
        Assert.Contains("ApiKey is required", text, StringComparison.Ordinal);
        Assert.Contains("Syslog:Udp must be address:port", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyFileFlag_ExitsWithConfiguration78_NamingTheSetting()
    {
        var (code, text) = await AgentProcess.RunAsync("--endpoint", "http://127.0.0.1:5080", "--api-key", "k", "--spool", _dir.File("spool"), "--file", "");
        Assert.Equal(78, code);
        Assert.Contains("Files:0:Path must be an absolute path (got '')", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter 'path'", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*.log", "app.log")]
    [InlineData("app.log", "app.log")]
    [InlineData("a*.log", "*.log")]
    public async Task TwoFileSourcesMatchingOneFile_ExitWithConfiguration78_NamingBoth(string first, string second)
    {
        // Each tailed the file from its own position: every line sent twice (helper-106).
        var (code, text) = await AgentProcess.RunAsync("--endpoint", "http://127.0.0.1:5080", "--api-key", "k", "--spool", _dir.File("spool"), "--file", _dir.File(first), "--file", _dir.File(second));
        Assert.Equal(78, code);
        Assert.Contains($"Files:1:Path '{_dir.File(second)}' matches files Files:0:Path '{_dir.File(first)}' matches too", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoFileSourcesInOneFolderSpelledTwoWays_ExitWithConfiguration78()
    {
        // A configuration file's paths are taken as written: /a/sub/../x.log is /a/x.log (helper-108).
        var config = _dir.File("agent.json");
        var first = _dir.File("x.log");
        var second = Path.Combine(_dir.Path, "sub", "..", "x.log");
        await File.WriteAllTextAsync(config, System.Text.Json.JsonSerializer.Serialize(new
        {
            Endpoint = "http://127.0.0.1:5080",
            ApiKey = "k",
            SpoolDirectory = _dir.File("spool"),
            Files = new[] { new { Path = first }, new { Path = second } },
        }));

        var (code, text) = await AgentProcess.RunAsync("--config", config, "--check");

        Assert.Equal(78, code);
        Assert.Contains($"Files:1:Path '{second}' matches files Files:0:Path '{first}' matches too", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoSource_ExitsWithConfiguration78()
    {
        var (code, text) = await AgentProcess.RunAsync("--endpoint", "http://127.0.0.1:5080", "--api-key", "k", "--spool", _dir.File("spool"));
        Assert.Equal(78, code);
        Assert.Contains("No source", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralBadSettingsInTheFile_EveryOneNamed_WithWhatIsExpected()
    {
        var config = _dir.File("agent.json");
        await File.WriteAllTextAsync(config, """
            {"Endpoint":"http://127.0.0.1:5080","ApiKey":"k","SpoolDirectory":"/tmp/x","MaxBatchEvent":10,
             "MaxBatchDelay":"soon","WhenSpoolFull":"Drop","Files":[{"Pth":"/var/log/a.log"}]}
            """);
        var (code, text) = await AgentProcess.RunAsync("--config", config, "--stdin");
        Assert.Equal(78, code);
        Assert.Contains("MaxBatchEvent: unknown setting (in agent.json)", text, StringComparison.Ordinal);
        Assert.Contains("MaxBatchDelay: must be a duration such as 00:00:05 (hh:mm:ss) (in agent.json), got 'soon'", text, StringComparison.Ordinal);
        Assert.Contains("WhenSpoolFull: must be one of BlockProducer, Fail (in agent.json), got 'Drop'", text, StringComparison.Ordinal);
        Assert.Contains("Files:0:Pth: unknown setting (in agent.json); the settings here are Path, Format, StartAt, PollInterval", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpoolDirectoryThatIsAFile_ExitsWithCantCreate73_SayingSo()
    {
        var file = _dir.File("not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var (code, text) = await AgentProcess.RunAsync("--endpoint", "http://127.0.0.1:5080", "--api-key", "k", "--spool", file, "--file", _dir.File("*.log"), "--quiet");
        Assert.Equal(73, code);
        Assert.Contains($"The spool directory {file} cannot be created or opened: it is an existing file, not a directory", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpoolDirectoryThatCannotBeCreated_ExitsWithCantCreate73_WithTheReason()
    {
        // /sys refuses mkdir even to root (EPERM), as a directory without write permission refuses others.
        const string spool = "/sys/eventpipeline-agent-spool";
        var (code, text) = await AgentProcess.RunAsync("--endpoint", "http://127.0.0.1:5080", "--api-key", "k", "--spool", spool, "--file", _dir.File("*.log"), "--quiet");
        Assert.True(code == 73, text);
        Assert.Contains($"The spool directory {spool} cannot be created or opened:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondAgentOnTheSpoolOfARunningOne_AnotherFormat_ExitsWithCantCreate73()
    {
        // Each format has a folder of its own in the spool, locked by its client: an agent of the other format took the
        // same spool and tailed the same file again (helper-104). Nothing listens on the first one's endpoint: it retries.
        var log = _dir.File("app.log");
        await File.WriteAllTextAsync(log, "{\"n\":1}\n");
        await using var first = AgentProcess.Start(_dir.Path, new Uri("http://127.0.0.1:9"), "k", "--file", log, "--format", "json", "--quiet");
        var spool = Path.Combine(_dir.Path, "spool");
        await Poll.UntilAsync(() => Directory.Exists(Path.Combine(spool, "json")), TimeSpan.FromSeconds(30), () => $"the first agent never opened its spool; {first.Process.OutputHint}");

        var (code, text) = await AgentProcess.RunAsync("--endpoint", "http://127.0.0.1:9", "--api-key", "k", "--spool", spool, "--file", log, "--format", "text", "--quiet");

        Assert.True(code == 73, text);
        Assert.Contains($"The spool directory {spool} cannot be created or opened: it is in use by another agent or client", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(spool, "text")), "the second agent spooled");
    }

    [Fact]
    public async Task AnAgentWhoseSpoolLiesInsideARunningOnesSpool_ExitsWithCantCreate73()
    {
        // Its own agent.lock, one folder down, did not stop it: it tailed the first one's file again (a review, 2026-12-07).
        var log = _dir.File("app.log");
        await File.WriteAllTextAsync(log, "line\n");
        await using var first = AgentProcess.Start(_dir.Path, new Uri("http://127.0.0.1:9"), "k", "--file", log, "--quiet");
        var spool = Path.Combine(_dir.Path, "spool");
        await Poll.UntilAsync(() => Directory.Exists(Path.Combine(spool, "text")), TimeSpan.FromSeconds(30), () => $"the first agent never opened its spool; {first.Process.OutputHint}");
        var inner = Path.Combine(spool, "text", "nested");

        var (code, text) = await AgentProcess.RunAsync("--endpoint", "http://127.0.0.1:9", "--api-key", "k", "--spool", inner, "--file", log, "--quiet");

        Assert.True(code == 73, text);
        Assert.Contains($"The spool directory {inner} cannot be created or opened: it lies inside '{spool}', another agent's spool (it has agent.lock)", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(inner), "the second agent created its spool");
    }

    [Fact]
    public async Task TheSystemdExampleConfiguration_PassesCheck()
    {
        var example = Path.Combine(Support.RepositoryFiles.Root, "infra", "systemd", "agent.json.example");
        var (code, text) = await AgentProcess.RunAsync("--config", example, "--api-key", "from-agent-env", "--check");
        Assert.True(code == 0, text);
    }

    public void Dispose() => _dir.Dispose();
}
