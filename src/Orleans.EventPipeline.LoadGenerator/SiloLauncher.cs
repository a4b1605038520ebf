using System.Diagnostics;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>Starts the silo in local mode on free loopback ports with a fresh data directory, for a self-contained run.</summary>
internal sealed class SiloLauncher : IAsyncDisposable
{
    private const string EventHubsKey = "bG9hZC1nZW5lcmF0b3ItZXZlbnRodWJzLWtleQ==";
    private readonly Process _process;
    private readonly string _dataDirectory;

    private SiloLauncher(Process process, string dataDirectory, Uri url, Uri otlpGrpcUrl, string eventHubs)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        Url = url;
        OtlpGrpcUrl = otlpGrpcUrl;
        EventHubsConnectionString = eventHubs;
    }

    public Uri Url { get; }

    /// <summary>OTLP over gRPC (h2c), <c>Pipeline:Shippers:OtlpGrpcPort</c>.</summary>
    public Uri OtlpGrpcUrl { get; }

    public string EventHubsConnectionString { get; }

    /// <summary>Where the silo keeps its archive in local mode.</summary>
    public string ArchiveDirectory => Path.Combine(_dataDirectory, "archive");

    /// <summary>Peak resident memory of the silo process so far, in bytes (Linux VmHWM).</summary>
    public long PeakResidentBytes() => ProcStatus("VmHWM:");

    /// <summary>Resident memory of the silo process now, in bytes (Linux VmRSS).</summary>
    public long ResidentBytes() => ProcStatus("VmRSS:");

    private long ProcStatus(string field)
    {
        var status = File.ReadAllLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return status is null ? 0 : long.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    public static async Task<SiloLauncher> StartAsync(string siloPath, string adminKey, IEnumerable<string> extraArguments)
    {
        var ports = FreeTcpPorts.Pick(5);
        var data = Path.Combine(Path.GetTempPath(), "eventpipeline-load", Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(siloPath))!, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            Path.GetFullPath(siloPath), $"--Urls=http://127.0.0.1:{ports[0]}", $"--Pipeline:DataDirectory={data}",
            $"--Pipeline:SiloPort={ports[1]}", $"--Pipeline:GatewayPort={ports[2]}", $"--Pipeline:Local:EventHubsPort={ports[3]}",
            $"--Pipeline:Shippers:OtlpGrpcPort={ports[4]}",
            $"--Pipeline:Local:EventHubsSharedAccessKey={EventHubsKey}", $"--Pipeline:AdminApiKey={adminKey}",
            "--Logging:LogLevel:Default=Warning",
        })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var argument in extraArguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var url = new Uri($"http://127.0.0.1:{ports[0]}");
        var launcher = new SiloLauncher(process, data, url, new Uri($"http://127.0.0.1:{ports[4]}"), $"Endpoint=sb://127.0.0.1:{ports[3]};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={EventHubsKey};UseDevelopmentEmulator=true;EntityPath=events");
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (ready.IsSuccessStatusCode)
                {
                    return launcher;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Still starting.
            }

            await Task.Delay(200);
        }

        await launcher.DisposeAsync();
        throw new InvalidOperationException("The silo did not become ready within 90 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
    }
}
