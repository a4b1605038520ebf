using System.Text.RegularExpressions;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>Hostile syslog TCP framing: a bad frame costs only itself, a line starting with a digit stays a line, a frame cut by the close is taken and logged.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed partial class SyslogFramingTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task OctetCountOverTheLimit_InOneReadWithGoodMessages_TheGoodOnesAreKept()
    {
        const string tenant = "syslog-bad-frame";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var (agent, port) = AgentSyslog.StartTcp(_dir.Path, silo, key);
        await using var _ = agent;

        // One write: a good frame, a frame claiming 70,000 octets (over Syslog:MaxMessageBytes, 65,536) with all of
        // them, and two good frames after it.
        var big = AgentSyslog.Message(2, "big ") + new string('z', 70_000 - AgentSyslog.Message(2, "big ").Length);
        await AgentSyslog.SendAsync(port, agent, string.Concat(
            AgentSyslog.OctetCounted(AgentSyslog.Message(1)), AgentSyslog.OctetCounted(big), AgentSyslog.OctetCounted(AgentSyslog.Message(3)), AgentSyslog.Message(4) + "\n"));

        var archived = await silo.ArchivedAsync(tenant, 4, TimeSpan.FromSeconds(60), static e => e.Body);
        ExactlyOnce.AssertArchived(tenant, Markers(1, 4), [.. archived.Select(static b => Marker().Match(b).Value)], output);
        Assert.DoesNotContain(archived, static b => b.StartsWith('z'));
    }

    [Fact]
    public async Task NewlineFramedLineStartingWithADigit_IsALine_NotAnOctetCount()
    {
        const string tenant = "syslog-digit-line";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var (agent, port) = AgentSyslog.StartTcp(_dir.Path, silo, key);
        await using var _ = agent;

        // "42 m-000001 ..." is not "LENGTH SP <PRI>": read as an octet count, it would swallow 42 bytes of the next message.
        await AgentSyslog.SendAsync(port, agent, $"42 m-000001 apples were counted\n{AgentSyslog.Message(2)}\n7 m-000003 days\n{AgentSyslog.Message(4)}\n");

        var archived = await silo.ArchivedAsync(tenant, 4, TimeSpan.FromSeconds(60), static e => e.Body);
        ExactlyOnce.AssertArchived(tenant, Markers(1, 4), [.. archived.Select(static b => Marker().Match(b).Value)], output);
        Assert.Contains(archived, static b => b.Contains("42 m-000001 apples were counted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OctetCountedFrameCutByTheClose_ItsPartIsTakenAndLogged()
    {
        const string tenant = "syslog-cut-frame";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var (agent, port) = AgentSyslog.StartTcp(_dir.Path, silo, key);
        await using var _ = agent;

        // The second frame claims 500 octets; the sender closes after fewer.
        var partial = AgentSyslog.Message(2, "cut short");
        await AgentSyslog.SendAsync(port, agent, AgentSyslog.OctetCounted(AgentSyslog.Message(1)) + "500 " + partial);

        var archived = await silo.ArchivedAsync(tenant, 2, TimeSpan.FromSeconds(60), static e => e.Body);
        ExactlyOnce.AssertArchived(tenant, Markers(1, 2), [.. archived.Select(static b => Marker().Match(b).Value)], output);
        var logged = $"{partial.Length} of its 500 bytes arrived";
        await Poll.UntilAsync(() => agent.Process.Output.Contains(logged, StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => $"'{logged}' logged; agent {agent.Process.OutputHint}");
    }

    private static HashSet<string> Markers(int from, int to) =>
        Enumerable.Range(from, to - from + 1).Select(static n => $"m-{n:D6}").ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"m-\d{6}")]
    private static partial Regex Marker();

    public void Dispose() => _dir.Dispose();
}
