using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

/// <summary>
/// The standalone emulator host running as a child process on a free port, so a test can SIGKILL
/// it mid-write. The test owns the process: it is killed on dispose whatever happened.
/// </summary>
internal sealed partial class EmulatorProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);

    private readonly Process _process;

    private EmulatorProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString =>
        $"Endpoint=sb://127.0.0.1:{Port};SharedAccessKeyName={TestEmulator.KeyName};SharedAccessKey={TestEmulator.Key};UseDevelopmentEmulator=true;EntityPath={TestEmulator.Hub}";

    public static async Task<EmulatorProcess> StartAsync(string dataDirectory)
    {
        string hostDll = Path.Combine(AppContext.BaseDirectory, "Orleans.EventPipeline.EventHubsEmulator.Host.dll");
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        startInfo.ArgumentList.Add(hostDll);
        foreach (string argument in (string[])[
            "--EventHubsEmulator:Port=0",
            $"--EventHubsEmulator:DataDirectory={dataDirectory}",
            $"--EventHubsEmulator:SharedAccessKeys:{TestEmulator.KeyName}={TestEmulator.Key}",
            "--Logging:LogLevel:Default=Warning",
        ])
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process process = Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start.");
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginErrorReadLine();
        try
        {
            using var deadline = new CancellationTokenSource(StartDeadline);
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                Match ready = ReadyLine().Match(line);
                if (ready.Success)
                {
                    // Keep draining stdout so the child never blocks on a full pipe.
                    _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
                    return new EmulatorProcess(process, int.Parse(ready.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            throw new InvalidOperationException($"The emulator exited with code {process.ExitCode} before it was ready.");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, whatever was not fsync'd is lost.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"^Emulator ready on port (\d+)\.")]
    private static partial Regex ReadyLine();
}
