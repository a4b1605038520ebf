using Orleans.EventPipeline.Processes;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// The real silo host started as a child process on free loopback ports (<see cref="SiloNode"/>, the same
/// launcher the fault harness and the load tool use), local mode unless the arguments say otherwise, its
/// output kept in memory for the test's assertions and failure messages.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly SiloNode _node;

    private SiloProcess(SiloNode node) => _node = node;

    /// <summary>Admin key every test silo is started with.</summary>
    public const string AdminKey = "test-admin-key-0123456789";

    public Uri BaseAddress => _node.Url;

    public int GatewayPort => _node.GatewayPort;

    /// <summary>OTLP over gRPC (h2c), <c>Pipeline:Shippers:OtlpGrpcPort</c>.</summary>
    public Uri OtlpGrpcAddress => _node.OtlpGrpcUrl;

    /// <summary>Port of the embedded Event Hubs emulator (local mode).</summary>
    public int EventHubsPort => _node.EventHubsPort;

    /// <summary>Connection string of the embedded emulator, for the real SDK.</summary>
    public string EventHubsConnectionString => _node.EventHubsConnectionString;

    public bool HasExited => !_node.Process.IsRunning;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output => _node.Process.Output;

    /// <summary>
    /// The warnings and errors in <see cref="Output"/>, each with the message line the simple formatter writes
    /// under it, and the lines containing any of <paramref name="alsoContaining"/>; the last <paramref name="limit"/>.
    /// </summary>
    public string Excerpt(int limit, params string[] alsoContaining)
    {
        var lines = Output.Split('\n');
        var kept = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(" warn: ", StringComparison.Ordinal) || lines[i].Contains(" fail: ", StringComparison.Ordinal) || lines[i].Contains(" crit: ", StringComparison.Ordinal))
            {
                kept.Add(i + 1 < lines.Length ? $"{lines[i].TrimEnd()} {lines[i + 1].Trim()}" : lines[i]);
            }
            else if (alsoContaining.Any(text => lines[i].Contains(text, StringComparison.Ordinal)))
            {
                kept.Add(i > 0 && lines[i].StartsWith(' ') ? $"{lines[i - 1].TrimEnd()} {lines[i].Trim()}" : lines[i]);
            }
        }

        return string.Join('\n', kept.TakeLast(limit));
    }

    /// <summary>Started from its own directory, logging plain text lines (easier to read in a failed test).</summary>
    public static SiloProcess Start(string dataDirectory, params string[] extraArguments) =>
        Start(dataDirectory, new Dictionary<string, string>(), extraArguments);

    /// <summary>
    /// As <see cref="Start(string, string[])"/>, and ready within the 90 s a cold start on a busy machine can take;
    /// a silo that never gets ready is stopped before the failure is thrown.
    /// </summary>
    public static Task<SiloProcess> StartReadyAsync(string dataDirectory, params string[] extraArguments) =>
        ReadyAsync(Start(dataDirectory, extraArguments));

    /// <summary><paramref name="silo"/> once ready within 90 s; one that never gets ready is stopped before the failure is thrown.</summary>
    public static async Task<SiloProcess> ReadyAsync(SiloProcess silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        try
        {
            await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>As <see cref="Start(string, string[])"/>, with more environment variables (HOME, ASPNETCORE_*).</summary>
    public static SiloProcess Start(string dataDirectory, IReadOnlyDictionary<string, string> environment, params string[] extraArguments) =>
        Start(dataDirectory, httpPort: null, environment, extraArguments);

    /// <summary>
    /// As <see cref="Start(string, IReadOnlyDictionary{string, string}, string[])"/>, with <see cref="BaseAddress"/> on
    /// <paramref name="httpPort"/>: a test that sets <c>Urls</c> itself (more addresses than loopback) names that port first.
    /// </summary>
    public static SiloProcess Start(string dataDirectory, int? httpPort, IReadOnlyDictionary<string, string> environment, params string[] extraArguments) =>
        Launch(new SiloStart("silo", dataDirectory, AdminKey)
        {
            HttpPort = httpPort,
            Arguments = extraArguments,
            Environment = new Dictionary<string, string>(environment)
            {
                ["Logging__Console__FormatterName"] = "simple",
                // Without the gateway's start-up warm-up, which posts for 2-30 s before the silo reports ready: the tests
                // that need it turn it on with a command-line argument, which wins over this.
                ["Pipeline__Warmup__Enabled"] = "false",
                // A failed test's excerpt of several silos' output is read against the test's own timeline.
                ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
            },
        });

    /// <summary>
    /// Started as an operator would, <c>dotnet path/to/Orleans.EventPipeline.Silo.dll</c> from
    /// <paramref name="workingDirectory"/>, with the log format its appsettings.json sets.
    /// </summary>
    public static SiloProcess StartFrom(string workingDirectory, string dataDirectory, params string[] extraArguments) =>
        Launch(new SiloStart("silo", dataDirectory, AdminKey) { Arguments = extraArguments, WorkingDirectory = workingDirectory });

    private static SiloProcess Launch(SiloStart settings)
    {
        var node = SiloNode.Create(settings);
        node.Process.Start();
        return new SiloProcess(node);
    }

    /// <summary>Polls <c>/readyz</c> until it answers 200; fails early if the process exits.</summary>
    public Task WaitForReadyAsync(TimeSpan timeout) => _node.WaitReadyAsync(timeout, CancellationToken.None);

    /// <summary>Sends SIGTERM, as an orchestrator does, and waits for a graceful exit; returns the exit code.</summary>
    public Task<int> TerminateAsync(TimeSpan timeout) => _node.Process.TerminateAsync(timeout);

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public Task KillAsync() => _node.Process.KillAsync();

    public Task<int> WaitForExitAsync(TimeSpan timeout) => _node.Process.WaitForExitAsync(timeout);

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}
