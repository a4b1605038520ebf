using Azure.Storage.Blobs;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// The pipeline a run measures, started for it as real processes on loopback with fresh data: one silo in
/// local mode (embedded emulator, SQLite, archive directory), one silo in azure mode, or a cluster of one
/// gateway and two processor silos in azure mode. Azure mode runs on Azurite (clustering, grain state,
/// checkpoints, the Blob archive) and the standalone emulator as Event Hubs. Each process logs to the run's
/// work directory.
/// </summary>
internal sealed partial class PipelineUnderTest : IAsyncDisposable
{
    public const string Local = "local";
    public const string Azure = "azure";
    public const string Cluster = "cluster";
    public static readonly string[] Topologies = [Local, Azure, Cluster];

    // The archive container of azure mode (Pipeline:Archive, docs/ARCHITECTURE.md).
    private const string ArchiveContainer = "archive";

    // Pipeline:Local:PartitionCount's default, so the three topologies write to as many partitions.
    private const int Partitions = 4;

    private readonly string _work;
    private readonly List<IAsyncDisposable> _owned = [];
    private EmulatorNode? _emulator;
    private AzuriteNode? _azurite;

    private PipelineUnderTest(string topology, string work)
    {
        Topology = topology;
        _work = work;
    }

    public string Topology { get; }

    /// <summary>Where clients post: the only silo, or the gateway.</summary>
    public SiloNode Gateway => Silos[0];

    public List<SiloNode> Silos { get; } = [];

    public string EventHubsConnectionString { get; private set; } = "";

    public IArchiveStore Archive { get; private set; } = null!;

    public string Description => Topology switch
    {
        Local => "one silo, local mode (embedded emulator, SQLite, archive directory)",
        Azure => "one silo, azure mode (Azurite, standalone emulator)",
        _ => "one gateway and two processor silos, azure mode (Azurite, standalone emulator)",
    };

    public static async Task<PipelineUnderTest> StartAsync(string topology, LoadOptions options, CancellationToken cancellationToken)
    {
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "eventpipeline-load", $"{topology}-{Guid.NewGuid():N}")).FullName;
        Console.WriteLine($"starting {topology}; logs and data in {work}");
        var pipeline = new PipelineUnderTest(topology, work);
        try
        {
            // Inside the try: a probe stopped by Ctrl+C or a full disk leaves its file in the work directory, which disposal deletes.
            await DiskSettle.WaitAsync(work, options.DiskSettle, cancellationToken);
            var starting = System.Diagnostics.Stopwatch.StartNew();
            await pipeline.StartProcessesAsync(options, cancellationToken);
            await pipeline.ReportReadinessAsync(starting.Elapsed, options.AdminKey, cancellationToken);
            return pipeline;
        }
        catch
        {
            await pipeline.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// How long the silos took to report ready, and what a gateway's warm-up (Pipeline:Warmup) did meanwhile: a check's
    /// description, which <c>/readyz</c> gives only to the admin key the silos were started with.
    /// </summary>
    private async Task ReportReadinessAsync(TimeSpan elapsed, string adminKey, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { DefaultRequestHeaders = { Authorization = new("Bearer", adminKey) } };
        foreach (var silo in Silos)
        {
            using var ready = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri(silo.Url, "/readyz"), cancellationToken));
            var warmup = ready.RootElement.GetProperty("checks").TryGetProperty("warm-up", out var check) ? check.GetProperty("description").GetString() : "none (a processor)";
            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{silo.Process.Name} ready {elapsed.TotalSeconds:N1} s after its start; warm-up: {warmup}"));
        }
    }

    /// <summary>CPU time of every process of the pipeline and of this tool, and the silos' bytes to each other, now.</summary>
    public ResourceUse Use()
    {
        var processes = Silos.ToDictionary(static s => s.Process.Name, static s => (Func<double>)s.Process.CpuSeconds);
        if (_emulator is { } emulator)
        {
            processes["emulator"] = emulator.Process.CpuSeconds;
        }

        if (_azurite is { } azurite)
        {
            processes["azurite"] = azurite.Process.CpuSeconds;
        }

        processes["load tool"] = static () => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        return ResourceUse.Take(processes, [.. Silos.Select(static s => s.SiloPort)]);
    }

    /// <summary>Resident memory of each silo now, in bytes, in <see cref="Silos"/> order.</summary>
    public long[] ResidentBytes() => [.. Silos.Select(static s => s.Process.ResidentBytes())];

    /// <summary>Peak resident memory of each silo so far (since <see cref="ResetPeakResident"/>, if called), in bytes.</summary>
    public long[] PeakResidentBytes() => [.. Silos.Select(static s => s.Process.PeakResidentBytes())];

    /// <summary>Each silo's peak starts again from its memory now: a warm-up's peak is not the measured run's.</summary>
    public void ResetPeakResident()
    {
        foreach (var silo in Silos)
        {
            silo.Process.ResetPeakResident();
        }
    }

    /// <summary>Each silo's name and its figure of <paramref name="peaks"/> (as <see cref="PeakResidentBytes"/> reads them) in MiB, for a report line.</summary>
    public string DescribeResident(long[] peaks) =>
        string.Join(", ", Silos.Select((silo, i) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{silo.Process.Name} {peaks[i] / 1048576.0:N0}")));

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }

        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        ReportLogWarnings();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
    }

    /// <summary>
    /// Before the logs go with the work directory: each silo's warnings and errors by category, so a run that
    /// looked clean in its numbers but made the silo warn (a held partition, a woken stream) says so.
    /// </summary>
    private void ReportLogWarnings()
    {
        foreach (var log in Directory.EnumerateFiles(_work, "*.log"))
        {
            var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var line in File.ReadLines(log))
            {
                if (LogLevelAndCategory().Match(line) is { Success: true } match)
                {
                    var key = match.Groups["level"].Value + " " + match.Groups["category"].Value;
                    counts[key] = counts.GetValueOrDefault(key) + 1;
                }
            }

            Console.WriteLine(counts.Count == 0
                ? $"{Path.GetFileNameWithoutExtension(log)} log: no warnings or errors"
                : $"{Path.GetFileNameWithoutExtension(log)} log: " + string.Join(", ", counts.Select(static c => $"{c.Key} x{c.Value}")));
        }
    }

    // A JSON console line ("LogLevel":"Warning","Category":"...") or a simple one ("warn: Category[id]").
    [System.Text.RegularExpressions.GeneratedRegex("""(?:"LogLevel":"(?<level>Warning|Error|Critical)","Category":"(?<category>[^"]+)")|(?:^\S*\s*(?<level>warn|fail|crit): (?<category>[^\[]+)\[)""")]
    private static partial System.Text.RegularExpressions.Regex LogLevelAndCategory();

    private async Task StartProcessesAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        if (Topology == Local)
        {
            var silo = await SiloNode.StartAsync(Start("silo", options, azure: null), cancellationToken);
            Silos.Add(silo);
            EventHubsConnectionString = silo.EventHubsConnectionString;
            Archive = new LocalDirectoryArchiveStore(silo.ArchiveDirectory);
            return;
        }

        var azurite = _azurite = await AzuriteNode.StartAsync(Path.Combine(_work, "azurite"), Path.Combine(_work, "azurite.log"), cancellationToken);
        _owned.Add(azurite);
        var emulator = _emulator = await EmulatorNode.StartAsync(Path.Combine(_work, "eventhubs"), Partitions, Path.Combine(_work, "emulator.log"), cancellationToken);
        _owned.Add(emulator);
        var services = new AzureServices(azurite.ConnectionString, emulator.ConnectionString, $"load-{Guid.NewGuid():N}");
        EventHubsConnectionString = $"{emulator.ConnectionString};EntityPath={EmulatorNode.HubName}";
        Archive = await BlobArchiveStore.CreateAsync(new BlobContainerClient(azurite.ConnectionString, ArchiveContainer), cancellationToken);
        if (Topology == Azure)
        {
            Silos.Add(await SiloNode.StartAsync(Start("silo", options, services), cancellationToken));
            return;
        }

        // The gateway first in the list (clients post to it); all three start at once and join one cluster.
        Silos.AddRange(
        [
            SiloNode.Create(Start("gateway", options, services, "--Pipeline:Role=gateway")),
            SiloNode.Create(Start("processor-1", options, services, "--Pipeline:Role=processor")),
            SiloNode.Create(Start("processor-2", options, services, "--Pipeline:Role=processor")),
        ]);
        foreach (var silo in Silos)
        {
            silo.Process.Start();
        }

        await Task.WhenAll(Silos.Select(silo => silo.WaitReadyAsync(TimeSpan.FromSeconds(120), cancellationToken)));
    }

    private SiloStart Start(string name, LoadOptions options, AzureServices? azure, params string[] role) =>
        new(name, Directory.CreateDirectory(Path.Combine(_work, name)).FullName, options.AdminKey)
        {
            Azure = azure,
            LogPath = Path.Combine(_work, name + ".log"),
            Assembly = options.SiloPath.Length > 0 ? options.SiloPath : null,
            Arguments = ["--Logging:LogLevel:Default=Warning", .. role, .. options.SiloArguments],
            Environment = options.SiloEnvironment,
        };
}
