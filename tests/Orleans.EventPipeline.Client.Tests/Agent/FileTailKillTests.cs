using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>kill -9 of the agent while it tails a file that keeps growing: after each restart it resumes from the position spooled with the last batch.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class FileTailKillTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private const string Tenant = "tail-kill";
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task KilledTwiceWhileTailingAGrowingFile_EveryLineArchivedExactlyOnce()
    {
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(Tenant);
        var log = Path.Combine(_dir.Path, "app.log");
        using var writer = new LineWriter("k");
        writer.Open(log);
        using var stopWriting = new CancellationTokenSource();
        // 10 lines every 20 ms (~500 lines/s) until told to stop, so each kill lands while the file grows.
        var writing = Task.Run(async () =>
        {
            while (!stopWriting.IsCancellationRequested)
            {
                writer.Write(10);
                await Task.Delay(20);
            }
        });

        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, "--file", log, "--format", "json", "--quiet");
        for (var kill = 1; kill <= 2; kill++)
        {
            var before = (await silo.ArchivedNowAsync(Tenant)).Count;
            await PollArchiveAsync(silo, before + 200, agent);
            Assert.False(writing.IsCompleted);
            await agent.Process.KillAsync();
            output.WriteLine($"kill {kill} after {writer.Written} lines written");
            agent.Process.Start();
        }

        await PollArchiveAsync(silo, (await silo.ArchivedNowAsync(Tenant)).Count + 200, agent);
        await stopWriting.CancelAsync();
        await writing;
        var archived = await silo.ArchivedAsync(Tenant, writer.Written, TimeSpan.FromSeconds(120));
        ExactlyOnce.AssertArchived(Tenant, writer.Names, archived, output);
    }

    private static async Task PollArchiveAsync(ArchivingSilo silo, int count, AgentProcess agent)
    {
        var seen = 0;
        await Poll.UntilAsync(
            () => (seen = silo.ArchivedNowAsync(Tenant).GetAwaiter().GetResult().Count) >= count,
            TimeSpan.FromSeconds(90),
            () => $"{count} events archived; {seen} so far. Agent {agent.Process.OutputHint}");
    }

    public void Dispose() => _dir.Dispose();
}
