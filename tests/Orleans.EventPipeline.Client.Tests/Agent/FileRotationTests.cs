using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>logrotate's two ways while the agent tails <c>app.log</c> (the glob matches the live name only): no line lost, none twice.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class FileRotationTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task RotatedByRename_TheRenamedFileIsReadToItsEnd_TheNewOneFromItsStart()
    {
        const string tenant = "rotate-rename";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var log = Path.Combine(_dir.Path, "app.log");
        using var writer = new LineWriter("r");
        writer.Open(log);
        writer.Write(200);
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, "--file", log, "--format", "json", "--quiet");
        await silo.ArchivedAsync(tenant, 200, TimeSpan.FromSeconds(60));

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
        var key = await silo.Api.CreateTenantAsync(tenant);
        var log = Path.Combine(_dir.Path, "app.log");
        using var writer = new LineWriter("t");
        writer.Open(log);
        writer.Write(300);
        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, "--file", log, "--format", "json", "--quiet");
        await silo.ArchivedAsync(tenant, 300, TimeSpan.FromSeconds(60));

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

    public void Dispose() => _dir.Dispose();
}
