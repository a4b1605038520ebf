using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>A <c>--file</c> glob that is relative and matches nothing yet: resolved against the working directory, warned about, and watched.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class FileGlobTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task RelativeGlobMatchingNothing_IsWarnedAboutByItsAbsolutePath_AndFilesThatAppearAreRead()
    {
        const string tenant = "glob-nothing";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var logs = Directory.CreateDirectory(Path.Combine(_dir.Path, "logs")).FullName;
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, settings: null, workingDirectory: _dir.Path, "--file", "logs/*.log", "--format", "json", "--quiet");

        var warning = $"{Path.Combine(logs, "*.log")} matches no file now";
        await Poll.UntilAsync(() => agent.Process.Output.Contains(warning, StringComparison.Ordinal), TimeSpan.FromSeconds(30), () => $"'{warning}'; agent {agent.Process.OutputHint}");

        using var writer = new LineWriter("w");
        writer.Open(Path.Combine(logs, "late.log"));
        writer.Write(50);
        var archived = await silo.ArchivedAsync(tenant, 50, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(tenant, writer.Names, archived, output);
    }

    public void Dispose() => _dir.Dispose();
}
