using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Testing;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>The agent's spool on a tmpfs that really fills (ENOSPC): a wait, not a failure, also at a restart on the full disk; once there is room, every line archived once.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class SpoolDiskFullTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private const string DiskFull = "the disk is full";
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task SpoolDiskFull_TheAgentWaitsAndSurvivesARestart_ThenEverythingArchivedOnce()
    {
        const string tenant = "spool-disk-full";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        using var disk = TmpfsMount.Create(megabytes: 8);
        var log = Path.Combine(_dir.Path, "app.log");
        using var writer = new LineWriter("f");
        writer.Open(log);
        writer.Write(100);
        var settings = new Dictionary<string, object> { ["SpoolDirectory"] = Path.Combine(disk.Path, "spool") };
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, settings, workingDirectory: null, "--file", log, "--format", "json", "--quiet");
        await silo.ArchivedAsync(tenant, 100, TimeSpan.FromSeconds(60));

        // The disk full, then 2,000 lines: 40 batches of 50, more than the last page of the live segment holds.
        disk.Fill();
        writer.Write(2_000);
        await Poll.UntilAsync(() => Occurrences(agent.Process.Output) >= 1, TimeSpan.FromSeconds(20), () => $"a warning '{DiskFull}'; agent {agent.Process.OutputHint}");
        Assert.True(agent.Process.IsRunning, $"the agent exited on a full spool disk; {agent.Process.OutputHint}");

        // A restart on the full disk: the agent's first act is a new segment, and it must not fail either.
        await agent.Process.KillAsync();
        disk.Fill();
        writer.Write(100);
        agent.Process.Start();
        await Poll.UntilAsync(() => Occurrences(agent.Process.Output) >= 2, TimeSpan.FromSeconds(20), () => $"a second warning '{DiskFull}'; agent {agent.Process.OutputHint}");
        Assert.True(agent.Process.IsRunning, $"the agent exited on a full spool disk at its start; {agent.Process.OutputHint}");

        disk.Free();
        var archived = await silo.ArchivedAsync(tenant, writer.Written, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(tenant, writer.Names, archived, output);
        Assert.True(agent.Process.IsRunning, agent.Process.OutputHint);
    }

    [Fact]
    public async Task SpoolOutOfInodes_ANewSegmentRefused_TheAgentWaits_ThenEverythingArchivedOnce()
    {
        // Segments of 96 KiB (a spool of 384 KiB: 256 KiB for batches besides the 128 KiB kept for the reserve and a split
        // record) and lines that do not compress: the spool needs new segment files while the file system can create none.
        // The next append wrote to the segment the refused roll had closed, and the agent died with a stack trace
        // (helper-104). At 256 KiB the spool now holds one segment's batches at a time, and deletes it before it rolls.
        const string tenant = "spool-no-inodes";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        using var disk = TmpfsMount.Create(megabytes: 8, inodes: 64);
        var log = Path.Combine(_dir.Path, "app.log");
        using var writer = new LineWriter("i");
        writer.Open(log);
        writer.Write(100);
        var settings = new Dictionary<string, object> { ["SpoolDirectory"] = Path.Combine(disk.Path, "spool"), ["MaxSpoolBytes"] = 393_216, ["MaxBatchBytes"] = 65_536, ["MaxLineBytes"] = 65_536 };
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, settings, workingDirectory: null, "--file", log, "--format", "json", "--quiet");
        await silo.ArchivedAsync(tenant, 100, TimeSpan.FromSeconds(60));

        // The tenant disabled meanwhile (403: retried, the batches kept): no segment is acknowledged and deleted, so the
        // roll cannot take the inode a deleted one freed. With acknowledgments quick enough it did, the spool never
        // needed a new file, and the test waited for a warning that did not come (CI, 2026-12-08).
        using (var disable = await silo.Api.PutTenantAsync(tenant, new { displayName = tenant, enabled = false }))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, disable.StatusCode);
        }

        disk.FillInodes();
        writer.Write(1_000, padding: 200);
        await Poll.UntilAsync(() => Occurrences(agent.Process.Output) >= 1, TimeSpan.FromSeconds(30), () => $"a warning '{DiskFull}'; agent {agent.Process.OutputHint}");
        disk.Free();
        using (var enable = await silo.Api.PutTenantAsync(tenant, new { displayName = tenant, enabled = true }))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, enable.StatusCode);
        }

        var archived = await silo.ArchivedAsync(tenant, writer.Written, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(tenant, writer.Names, archived, output);
        Assert.True(agent.Process.IsRunning, agent.Process.OutputHint);
        Assert.DoesNotContain("ObjectDisposedException", agent.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpoolFillsItsOwnDiskWhileTheGatewayIsDown_ThenItIsUp_EveryEventArchivedOnce()
    {
        // helper-119: 6,000 events of ~500 bytes (3 MB) on a 2 MiB tmpfs with the default MaxSpoolBytes (1 GiB, so one
        // 16 MiB segment holds them all): the head could not be written once the segment had filled the disk, and the
        // spool waited for good after two acknowledgments.
        const string tenant = "spool-own-disk";
        const int events = 6_000;
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        using var disk = TmpfsMount.Create(megabytes: 2);
        var options = TestClients.Options(silo.Url, key, Path.Combine(disk.Path, "spool"));
        options.Compress = false;
        var handler = new RecordingHandler { Unavailable = true };
        await using var client = new EventPipelineClient(options, handler: handler);
        client.Start();
        var padding = new string('p', 480);
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < events; i += 100)
            {
                await client.SendAsync([.. Enumerable.Range(i, 100).Select(n => (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes($"{{\"n\":\"{NumberedEvents.Name("o", n)}\",\"pad\":\"{padding}\"}}"))]);
            }

            await client.FlushAsync();
        });

        // Full: less room than one batch of 100 (~50 KB), and the producer waits.
        await Poll.UntilAsync(() => new DriveInfo(disk.Path).AvailableFreeSpace < 50_000, TimeSpan.FromSeconds(60), () => $"the spool did not fill 2 MiB; {new DriveInfo(disk.Path).AvailableFreeSpace} bytes free, producer {producer.Status}");
        Assert.False(producer.IsCompleted, $"the producer ended on a full disk: {producer.Exception}");
        // And the last pages, never freed: up to a batch (~50 KB) was left, where a one-page head.tmp still fits; the
        // repro's disk had not one page left, so only what the spool itself frees may let it go on.
        disk.Fill();

        handler.Unavailable = false;
        await producer.WaitAsync(TimeSpan.FromSeconds(90));
        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(90));
        var archived = await silo.ArchivedAsync(tenant, events, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived(tenant, NumberedEvents.Names("o", 0, events), archived, output);
    }

    private static int Occurrences(string text) => (text.Length - text.Replace(DiskFull, "", StringComparison.Ordinal).Length) / DiskFull.Length;

    public void Dispose() => _dir.Dispose();
}
