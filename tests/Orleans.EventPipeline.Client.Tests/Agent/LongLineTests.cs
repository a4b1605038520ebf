using System.Text;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>
/// A line over its limit (a file's MaxLineBytes, 1 MiB; a syslog TCP message's Syslog:MaxMessageBytes, 64 KiB) is
/// taken once, cut, and the rest of it up to its line break is skipped and logged: never an event of its own.
/// </summary>
[Collection(SharedSiloGroup.Name)]
public sealed partial class LongLineTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task FileLineOverMaxLineBytes_ItsRestIsSkipped_NotAnEventOfItsOwn()
    {
        const string tenant = "long-file-line";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var log = Path.Combine(_dir.Path, "app.log");
        // 1 MiB + 5,000 bytes: the first 1 MiB is the cut event (over the gateway's MaxEventBytes, so a dead
        // letter); the 5,000 'x' after it must not arrive as an event.
        var text = new StringBuilder()
            .Append("m-000000 before\n")
            .Append("m-000001 long ").Append('a', (1024 * 1024) - 14).Append('x', 5_000).Append('\n')
            .Append("m-000002 after\nm-000003 after\n");
        await File.WriteAllTextAsync(log, text.ToString());
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, "--file", log, "--quiet");

        var archived = await silo.ArchivedAsync(tenant, 3, TimeSpan.FromSeconds(60), static e => e.Body);
        await Poll.UntilAsync(() => agent.Process.Output.Contains("MaxLineBytes", StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => $"the cut line logged; agent {agent.Process.OutputHint}");
        output.WriteLine(string.Join("\n", archived.Select(static b => b.Length > 80 ? b[..80] : b)));
        Assert.DoesNotContain(archived, static b => b.StartsWith('x'));
        ExactlyOnce.AssertArchived(tenant, new HashSet<string>(["m-000000", "m-000002", "m-000003"], StringComparer.Ordinal), [.. archived.Select(static b => Marker().Match(b).Value)], output);
        Assert.Contains("the 5000 bytes after them up to its line break were skipped", agent.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SyslogTcpLineOverMaxMessageBytes_TakenCutOnce_ItsRestSkipped()
    {
        const string tenant = "long-syslog-line";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var (agent, port) = AgentSyslog.StartTcp(_dir.Path, silo, key);
        await using var _ = agent;

        // Newline framing: a 70,000-byte message, over the 65,536 of Syslog:MaxMessageBytes, between two short ones.
        var first = AgentSyslog.Message(1);
        var cut = AgentSyslog.Message(2, "long ") + new string('y', 70_000 - Encoding.UTF8.GetByteCount(AgentSyslog.Message(2, "long ")));
        await AgentSyslog.SendAsync(port, agent, $"{first}\n{cut}\n{AgentSyslog.Message(3)}\n");

        var archived = await silo.ArchivedAsync(tenant, 3, TimeSpan.FromSeconds(60), static e => e.Body);
        await Poll.UntilAsync(() => agent.Process.Output.Contains("Syslog:MaxMessageBytes", StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => $"the cut message logged; agent {agent.Process.OutputHint}");
        Assert.DoesNotContain(archived, static b => b.StartsWith('y'));
        ExactlyOnce.AssertArchived(tenant, new HashSet<string>(["m-000001", "m-000002", "m-000003"], StringComparer.Ordinal), [.. archived.Select(static b => Marker().Match(b).Value)], output);
        // Its first 65,536 bytes, less the header the parser took off the body.
        var header = AgentSyslog.Message(2).IndexOf("m-", StringComparison.Ordinal);
        Assert.Equal(65_536 - header, Encoding.UTF8.GetByteCount(archived.Single(static b => b.Contains("m-000002", StringComparison.Ordinal))));
        Assert.Contains($"the {70_000 - 65_536} bytes after them up to its line break were skipped", agent.Process.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"m-\d{6}")]
    private static partial Regex Marker();

    public void Dispose() => _dir.Dispose();
}
