using System.Diagnostics;
using System.Reflection;
using System.Text;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>The real silo host started as a child process on free loopback ports.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, int[] ports)
    {
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{ports[0]}");
        GatewayPort = ports[2];
        EventHubsPort = ports[3];
        OtlpGrpcAddress = new Uri($"http://127.0.0.1:{ports[4]}");
    }

    /// <summary>Admin key every test silo is started with.</summary>
    public const string AdminKey = "test-admin-key-0123456789";

    /// <summary>SAS key of the embedded emulator in local mode, so tests can read the stream.</summary>
    public const string EventHubsKey = "dGVzdC1ldmVudGh1YnMta2V5LTAxMjM0NTY3ODk=";

    public Uri BaseAddress { get; }

    public int GatewayPort { get; }

    /// <summary>OTLP over gRPC (h2c), <c>Pipeline:Shippers:OtlpGrpcPort</c>.</summary>
    public Uri OtlpGrpcAddress { get; }

    /// <summary>Port of the embedded Event Hubs emulator (local mode).</summary>
    public int EventHubsPort { get; }

    /// <summary>Connection string of the embedded emulator, for the real SDK.</summary>
    public string EventHubsConnectionString =>
        $"Endpoint=sb://127.0.0.1:{EventHubsPort};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={EventHubsKey};UseDevelopmentEmulator=true;EntityPath=events";

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Started from its own directory, logging plain text lines (easier to read in a failed test).</summary>
    public static SiloProcess Start(string dataDirectory, params string[] extraArguments) =>
        Launch(workingDirectory: null, dataDirectory, extraArguments);

    /// <summary>
    /// Started as an operator would, <c>dotnet path/to/Orleans.EventPipeline.Silo.dll</c> from
    /// <paramref name="workingDirectory"/>, with the log format its appsettings.json sets.
    /// </summary>
    public static SiloProcess StartFrom(string workingDirectory, string dataDirectory, params string[] extraArguments) =>
        Launch(workingDirectory, dataDirectory, extraArguments);

    private static SiloProcess Launch(string? workingDirectory, string dataDirectory, string[] extraArguments)
    {
        var ports = FreeTcpPorts.Pick(5);
        var silo = typeof(SiloProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(static attribute => attribute.Key == "SiloAssemblyPath").Value!;
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(Path.GetFullPath(silo))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.GetFullPath(silo));
        info.ArgumentList.Add($"--Urls=http://127.0.0.1:{ports[0]}");
        info.ArgumentList.Add($"--Pipeline:DataDirectory={dataDirectory}");
        info.ArgumentList.Add($"--Pipeline:SiloPort={ports[1]}");
        info.ArgumentList.Add($"--Pipeline:GatewayPort={ports[2]}");
        info.ArgumentList.Add($"--Pipeline:Local:EventHubsPort={ports[3]}");
        info.ArgumentList.Add($"--Pipeline:Shippers:OtlpGrpcPort={ports[4]}");
        info.ArgumentList.Add($"--Pipeline:Local:EventHubsSharedAccessKey={EventHubsKey}");
        info.ArgumentList.Add($"--Pipeline:AdminApiKey={AdminKey}");
        foreach (var argument in extraArguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (workingDirectory is null)
        {
            info.Environment["Logging__Console__FormatterName"] = "simple";
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var started = new SiloProcess(process, ports);
        process.OutputDataReceived += (_, e) => started.Append(e.Data);
        process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Polls <c>/readyz</c> until it answers 200; fails early if the process exits.</summary>
    public async Task WaitForReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The silo exited with code {_process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "/readyz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // A slow first answer while the silo starts.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException($"The silo was not ready within {timeout}:\n{Output}");
    }

    /// <summary>Sends SIGTERM and waits for a graceful exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        // .NET's Process.Kill only sends SIGKILL; kill(1) delivers the signal an orchestrator sends.
        using (var signal = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await signal.WaitForExitAsync();
            if (signal.ExitCode != 0)
            {
                throw new InvalidOperationException($"kill -TERM {_process.Id} failed with exit code {signal.ExitCode}");
            }
        }

        return await WaitForExitAsync(timeout);
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new TimeoutException($"The silo did not exit within {timeout}:\n{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
