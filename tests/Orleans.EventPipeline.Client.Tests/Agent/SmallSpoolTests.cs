using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>A spool small beside one read of a file (256 KiB): the read is split into sends the spool takes, and settings that could never spool a long line are refused naming both.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class SmallSpoolTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task FileReadLargerThanHalfTheSpool_SplitIntoSends_EveryLineArchivedOnce()
    {
        const string tenant = "small-spool-file";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var log = Path.Combine(_dir.Path, "app.log");
        using var writer = new LineWriter("z");
        writer.Open(log);
        // 16,000 lines of 18 bytes (288,000 bytes): one 256 KiB read of the agent holds twice the 128 KiB one send may take.
        writer.Write(16_000);
        var settings = new Dictionary<string, object> { ["MaxSpoolBytes"] = 262_144, ["MaxBatchBytes"] = 65_536, ["MaxLineBytes"] = 65_536, ["MaxBatchEvents"] = 5_000 };
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, settings, workingDirectory: null, "--file", log, "--format", "json", "--quiet");

        var archived = await silo.ArchivedAsync(tenant, writer.Written, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(tenant, writer.Names, archived, output);
        Assert.True(agent.Process.IsRunning, $"the agent exited; {agent.Process.OutputHint}");
    }

    [Fact]
    public async Task SpoolSmallerThanTwoLongLines_Refused78_NamingBoth()
    {
        var config = _dir.File("agent.json");
        await File.WriteAllTextAsync(config, """{"Endpoint":"http://127.0.0.1:5080","ApiKey":"k","SpoolDirectory":"/tmp/x","MaxSpoolBytes":4194304,"MaxLineBytes":4194304}""");
        var (code, text) = await AgentProcess.RunAsync("--config", config, "--stdin", "--check");
        Assert.Equal(78, code);
        Assert.Contains("MaxSpoolBytes (4194304) must be at least twice MaxLineBytes", text, StringComparison.Ordinal);
        Assert.Contains("2 x (4194304 + 1) = 8388610", text, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
