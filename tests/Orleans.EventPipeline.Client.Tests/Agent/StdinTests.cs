using System.Diagnostics;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary><c>producer | eventpipeline-agent --stdin</c>: every line once, and the agent ends (0) when its input does and everything is acknowledged.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class StdinTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private const string Tenant = "stdin";
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task PipedLines_EachArchivedOnce_AgentExitsZeroAtTheEnd()
    {
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(Tenant);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { AgentProcess.AssemblyPath, "--endpoint", silo.Url.ToString(), "--api-key", key, "--spool", _dir.File("spool"), "--stdin", "--format", "json", "--quiet" })
        {
            start.ArgumentList.Add(argument);
        }

        using var agent = Process.Start(start)!;
        var errors = agent.StandardError.ReadToEndAsync();
        // 1,000 lines in writes that cut lines in two, the last line without its line break.
        var text = string.Join("\n", NumberedEvents.Make("i", 0, 1000).Select(static e => System.Text.Encoding.UTF8.GetString(e.Span)));
        for (var at = 0; at < text.Length; at += 777)
        {
            await agent.StandardInput.WriteAsync(text.AsMemory(at, Math.Min(777, text.Length - at)));
            await agent.StandardInput.FlushAsync();
        }

        agent.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await agent.WaitForExitAsync(deadline.Token);
        Assert.True(agent.ExitCode == 0, await errors);

        var archived = await silo.ArchivedAsync(Tenant, 1000, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived(Tenant, NumberedEvents.Names("i", 0, 1000), archived, output);
    }

    public void Dispose() => _dir.Dispose();
}
