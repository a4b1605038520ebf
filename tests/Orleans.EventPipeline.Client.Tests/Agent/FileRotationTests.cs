using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>logrotate's two ways while the agent tails <c>app.log</c> (the glob matches the live name only), also while it is stopped: no line lost, none twice.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class FileRotationTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task RotatedByRename_TheRenamedFileIsReadToItsEnd_TheNewOneFromItsStart()
    {
        const string tenant = "rotate-rename";
        var silo = shared.Silo;
        var log = Log;
        using var writer = new LineWriter("r");
        await using var agent = await TailAsync(tenant, writer, 200);

        // Lines the agent has likely not read yet, then the rename; the application still writes to its open file
        // (now app.log.1) until it reopens its log, as between logrotate's rename and its postrotate signal.
        writer.Write(100);
        File.Move(log, log + ".1");
        writer.Write(50);
        writer.Open(log);
        writer.Write(200);

        var archived = await silo.ArchivedAsync(tenant, writer.Written, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived(tenant, writer.Names, archived, output);
    }

    [Fact]
    public async Task RotatedByCopyTruncate_TheTruncatedFileIsReadAgainFromItsStart()
    {
        const string tenant = "rotate-truncate";
        var silo = shared.Silo;
        var log = Log;
        using var writer = new LineWriter("t");
        await using var agent = await TailAsync(tenant, writer, 300);

        // copytruncate: the content copied aside, the file cut to 0 in place (same inode), the writer goes on.
        File.Copy(log, log + ".1");
        using (var truncate = new FileStream(log, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            truncate.SetLength(0);
        }

        // Fewer bytes than were read before the truncation: a tailer that only waits for the file to pass its old
        // position would never read them. (Reopened: an application under copytruncate appends with O_APPEND.)
        writer.Open(log);
        writer.Write(100);
        Assert.True(new FileInfo(log).Length < new FileInfo(log + ".1").Length);

        var archived = await silo.ArchivedAsync(tenant, writer.Written, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived(tenant, writer.Names, archived, output);
    }

    [Fact]
    public async Task RotatedByRenameWhileTheAgentIsStopped_TheOldFileIsFinishedFromItsSavedPosition()
    {
        const string tenant = "rotate-rename-stopped";
        var silo = shared.Silo;
        var log = Log;
        using var writer = new LineWriter("s");
        await using var agent = await TailAsync(tenant, writer, 200);
        await agent.Process.KillAsync();

        // While the agent is down: 100 more lines in app.log, then logrotate renames it (app.log.1, not matched by
        // the glob) and the application starts a new app.log.
        writer.Write(100);
        File.Move(log, log + ".1");
        writer.Open(log);
        writer.Write(50);
        agent.Process.Start();

        var archived = await silo.ArchivedAsync(tenant, writer.Written, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(tenant, writer.Names, archived, output);
    }

    [Fact]
    public async Task RotatedByRenameAndDeletedWhileTheAgentIsStopped_WhatCouldNotBeReadIsLogged()
    {
        const string tenant = "rotate-deleted-stopped";
        var silo = shared.Silo;
        var log = Log;
        using var writer = new LineWriter("d");
        // Not quiet: the agent's last look saw the file at its full size, so what it missed is said at Information.
        await using var agent = await TailAsync(tenant, writer, 100, quiet: false);
        var read = new FileInfo(log).Length;
        await agent.Process.KillAsync();

        // 10 lines the agent never saw, in a file rotated and then deleted (or compressed) before it starts again.
        writer.Write(10);
        File.Move(log, log + ".1");
        File.Delete(log + ".1");
        using var next = new LineWriter("e");
        next.Open(log);
        next.Write(20);
        agent.Process.Start();

        await silo.ArchivedAsync(tenant, 120, TimeSpan.FromSeconds(60));
        var expected = $"it had been read to its size at the agent's last look ({read} bytes): only lines written to it after that, while the agent was stopped, were missed";
        await Poll.UntilAsync(() => agent.Process.Output.Contains(expected, StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => $"a warning '{expected}'; agent {agent.Process.OutputHint}");
        Assert.Contains(log, agent.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadToItsEndThenRotatedAndDeletedWhileTheAgentIsStopped_NoFalseLossWarning()
    {
        const string tenant = "rotate-deleted-read";
        var silo = shared.Silo;
        var log = Log;
        using var writer = new LineWriter("k");
        await using var agent = await TailAsync(tenant, writer, 100);
        await agent.Process.KillAsync();

        // Nothing written after the agent read the file to its end: rotated and deleted, no line lost.
        File.Move(log, log + ".1");
        File.Delete(log + ".1");
        using var next = new LineWriter("m");
        next.Open(log);
        next.Write(20);
        agent.Process.Start();

        // The new file is read after the start's look for the old one, so its lines archived mean that look is done.
        var archived = await silo.ArchivedAsync(tenant, 120, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(tenant, writer.Names.Union(next.Names).ToHashSet(StringComparer.Ordinal), archived, output);
        Assert.DoesNotContain("were not read", agent.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(log + " was rotated", agent.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatedAndRotatedAwayWhileTheAgentIsStopped_ReadFromItsStart_OlderRotationsLeftAlone()
    {
        const string tenant = "rotate-created-stopped";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var log = Path.Combine(_dir.Path, "app.log");
        // A rotation from before the agent's time: its name matches, but it was not modified after any checkpoint.
        using (var old = new LineWriter("o"))
        {
            old.Open(log + ".9");
            old.Write(30);
        }

        using var a = new LineWriter("a");
        a.Open(log);
        a.Write(100);
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, "--file", log, "--format", "json", "--quiet");
        await silo.ArchivedAsync(tenant, 100, TimeSpan.FromSeconds(60));
        await agent.Process.KillAsync();

        // While the agent is down, two rotations: B is written to a new app.log and rotated away before the agent
        // ever sees it (app.log.1), A moves on to app.log.2, C is the new app.log; and a compressed rotation appears.
        File.Move(log, log + ".1");
        using var b = new LineWriter("b");
        b.Open(log);
        b.Write(100);
        File.Move(log + ".1", log + ".2");
        File.Move(log, log + ".1");
        using var c = new LineWriter("c");
        c.Open(log);
        c.Write(100);
        await File.WriteAllBytesAsync(log + ".3.gz", [0x1f, 0x8b]);
        agent.Process.Start();

        var archived = await silo.ArchivedAsync(tenant, 300, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(tenant, a.Names.Union(b.Names).Union(c.Names).ToHashSet(StringComparer.Ordinal), archived, output);
        var warning = $"{log}.3.gz is compressed";
        await Poll.UntilAsync(() => agent.Process.Output.Contains(warning, StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => $"a warning '{warning}'; agent {agent.Process.OutputHint}");
    }

    [Fact]
    public async Task CopyTruncatedAndGrownPastThePositionWithinOneLook_ReadAgainFromItsStart()
    {
        const string tenant = "rotate-truncate-regrown";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var log = Path.Combine(_dir.Path, "app.log");
        using var writer = new LineWriter("g");
        writer.Open(log);
        writer.Write(100);
        // A look once a second, so the truncation and the new, longer content land between two looks.
        var files = new Dictionary<string, object> { ["Files"] = new[] { new { Path = log, Format = "Json", PollInterval = "00:00:01" } } };
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, files, workingDirectory: null, "--quiet");
        await silo.ArchivedAsync(tenant, 100, TimeSpan.FromSeconds(60));
        var before = new FileInfo(log).Length;

        // copytruncate, then the application writes more than was there before, in one go: the size never looks smaller.
        File.Copy(log, log + ".1");
        using var regrown = new LineWriter("h");
        TruncateAndRegrow(log, regrown, 200);
        Assert.True(new FileInfo(log).Length > before);

        var archived = await silo.ArchivedAsync(tenant, 300, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(tenant, writer.Names.Union(regrown.Names).ToHashSet(StringComparer.Ordinal), archived, output);
    }

    [Fact]
    public async Task CopyTruncatedAndGrownPastThePositionWhileTheAgentIsStopped_ReadAgainFromItsStart()
    {
        const string tenant = "rotate-truncate-stopped";
        var silo = shared.Silo;
        var log = Log;
        using var writer = new LineWriter("p");
        await using var agent = await TailAsync(tenant, writer, 100);
        await agent.Process.KillAsync();

        using var regrown = new LineWriter("q");
        TruncateAndRegrow(log, regrown, 200);
        agent.Process.Start();

        var archived = await silo.ArchivedAsync(tenant, 300, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(tenant, writer.Names.Union(regrown.Names).ToHashSet(StringComparer.Ordinal), archived, output);
    }

    [Fact]
    public async Task TwoSourcesOneNamedAfterTheOther_RestartedTwice_EachLineOnce()
    {
        // app.log.audit starts with app.log: the app.log source took it for a rotation it never read, read it from 0 at
        // every restart and forgot the audit source's position, so its lines were archived once more per restart (helper-104).
        const string tenant = "rotate-two-sources";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        using var main = new LineWriter("m");
        using var audit = new LineWriter("a");
        main.Open(Log);
        audit.Open(Log + ".audit");
        main.Write(10);
        audit.Write(10);
        string[] flags = ["--file", Log, "--file", Log + ".audit", "--format", "json", "--quiet"];
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, flags);
        await silo.ArchivedAsync(tenant, 20, TimeSpan.FromSeconds(60));

        for (var restart = 0; restart < 2; restart++)
        {
            await agent.Process.KillAsync();
            main.Write(10);
            audit.Write(10);
            agent.Process.Start();
            await silo.ArchivedAsync(tenant, main.Written + audit.Written, TimeSpan.FromSeconds(60));
        }

        var archived = await silo.ArchivedAsync(tenant, main.Written + audit.Written, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(tenant, main.Names.Union(audit.Names).ToHashSet(StringComparer.Ordinal), archived, output);
    }

    [Fact]
    public async Task StartAtEnd_StoppedBeforeALineWasRead_TheRestartReadsWhatWasWrittenMeanwhile()
    {
        // StartAt End saved no position until a line was read: a restart before one started at the end again, past the
        // lines written while the agent was stopped (helper-104).
        const string tenant = "start-at-end";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        using var before = new LineWriter("e");
        before.Open(Log);
        before.Write(10);
        var files = new Dictionary<string, object> { ["Files"] = new[] { new { Path = Log, Format = "Json", StartAt = "End" } } };
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, files, workingDirectory: null, "--quiet");
        // The position at the end, saved: the spool's head holds it once the sender passed its record of no events.
        var head = Path.Combine(_dir.Path, "spool", "json", "head");
        await Poll.UntilAsync(() => File.Exists(head), TimeSpan.FromSeconds(30), () => $"the start's position was never saved; agent {agent.Process.OutputHint}");
        await agent.Process.KillAsync();

        using var meanwhile = new LineWriter("m");
        meanwhile.Open(Log);
        meanwhile.Write(10);
        agent.Process.Start();
        using var after = new LineWriter("a");
        after.Open(Log);
        after.Write(10);

        var archived = await silo.ArchivedAsync(tenant, 20, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(tenant, meanwhile.Names.Union(after.Names).ToHashSet(StringComparer.Ordinal), archived, output);
    }

    /// <summary>The live log file every test's agent tails.</summary>
    private string Log => Path.Combine(_dir.Path, "app.log");

    /// <summary>
    /// A new tenant, <paramref name="lines"/> lines of <paramref name="writer"/> in <see cref="Log"/>, and an agent
    /// tailing it for the tenant, returned once those lines are archived.
    /// </summary>
    private async Task<AgentProcess> TailAsync(string tenant, LineWriter writer, int lines, bool quiet = true)
    {
        var key = await shared.Silo.Api.CreateTenantAsync(tenant);
        writer.Open(Log);
        writer.Write(lines);
        string[] flags = quiet ? ["--file", Log, "--format", "json", "--quiet"] : ["--file", Log, "--format", "json"];
        var agent = AgentProcess.Start(_dir.Path, shared.Silo.Url, key, flags);
        try
        {
            await shared.Silo.ArchivedAsync(tenant, lines, TimeSpan.FromSeconds(60));
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>Cuts <paramref name="log"/> to 0 in place (same inode) and writes <paramref name="lines"/> new lines at once.</summary>
    private static void TruncateAndRegrow(string log, LineWriter writer, int lines)
    {
        using (var truncate = new FileStream(log, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            truncate.SetLength(0);
        }

        writer.Open(log);
        writer.Write(lines);
    }

    public void Dispose() => _dir.Dispose();
}
