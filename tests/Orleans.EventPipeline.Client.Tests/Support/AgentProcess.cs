using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Orleans.EventPipeline.Processes;

namespace Orleans.EventPipeline.Client.Tests.Support;

/// <summary>
/// The agent's build output started as a process (<c>dotnet eventpipeline-agent.dll</c>) through the shared
/// <see cref="ChildProcess"/>: killable with SIGKILL, restartable with the same command line and spool.
/// </summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private AgentProcess(ChildProcess process) => Process = process;

    public ChildProcess Process { get; }

    public static string AssemblyPath => Path.GetFullPath(typeof(AgentProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(static a => a.Key == "AgentAssemblyPath").Value!);

    /// <summary>
    /// Writes a configuration file into <paramref name="directory"/> (the gateway, the key, a spool under the directory,
    /// batches of 50 events or 100 ms so a kill lands between spooled batches) and starts the agent with it and <paramref name="flags"/>.
    /// </summary>
    public static AgentProcess Start(string directory, Uri gateway, string apiKey, params string[] flags) =>
        Start(directory, gateway, apiKey, settings: null, workingDirectory: null, flags);

    /// <summary>As <see cref="Start(string, Uri, string, string[])"/>, with more <paramref name="settings"/> in the file (e.g. <c>Files</c>) and a working directory.</summary>
    public static AgentProcess Start(string directory, Uri gateway, string apiKey, IReadOnlyDictionary<string, object>? settings, string? workingDirectory, params string[] flags)
    {
        var config = Path.Combine(directory, "agent.json");
        var file = new Dictionary<string, object>
        {
            ["Endpoint"] = gateway.ToString(),
            ["ApiKey"] = apiKey,
            ["SpoolDirectory"] = Path.Combine(directory, "spool"),
            ["MaxBatchEvents"] = 50,
            ["MaxBatchDelay"] = "00:00:00.100",
            ["DrainTimeout"] = "00:00:10",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, object>())
        {
            file[name] = value;
        }

        File.WriteAllText(config, JsonSerializer.Serialize(file));
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory ?? "" };
        foreach (var argument in new[] { AssemblyPath, "--config", config }.Concat(flags))
        {
            start.ArgumentList.Add(argument);
        }

        var agent = new AgentProcess(new ChildProcess("agent", start, logPath: null));
        agent.Process.Start();
        return agent;
    }

    /// <summary>Runs the agent with <paramref name="arguments"/> to its end; its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet");
        foreach (var argument in new[] { AssemblyPath }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        await using var process = new ChildProcess("agent", start, logPath: null);
        process.Start();
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, process.Output);
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
