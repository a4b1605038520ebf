using System.Diagnostics;
using System.Reflection;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.Testing;

/// <summary>Azurite (Azure Storage's emulator, installed by ./test.sh from infra/test-deps) on free loopback ports.</summary>
internal sealed class AzuriteProcess : IAsyncDisposable
{
    // Azurite's documented development account; it only opens Azurite.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;
    private readonly int[] _ports;

    private AzuriteProcess(Process process, int[] ports)
    {
        _process = process;
        _ports = ports;
    }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_ports[0]}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{_ports[1]}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{_ports[2]}/devstoreaccount1;";

    /// <summary>Its process id, for a load run's CPU accounting.</summary>
    public int ProcessId => _process.Id;

    public static async Task<AzuriteProcess> StartAsync(string dataDirectory)
    {
        var root = typeof(AzuriteProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(static a => a.Key == "RepositoryRoot").Value!;
        var azurite = Path.GetFullPath(Path.Combine(root, "infra", "test-deps", "node_modules", "azurite", "dist", "src", "azurite.js"));
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite is not installed at {azurite}: run ./test.sh, or 'npm ci --prefix infra/test-deps'.");
        }

        var ports = FreeTcpPorts.Pick(3);
        var info = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            azurite, "--silent", "--location", dataDirectory, "--skipApiVersionCheck", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = new AzuriteProcess(process, ports);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var port in ports)
        {
            while (!await LoopbackProbe.AcceptsAsync(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    await started.DisposeAsync();
                    throw new InvalidOperationException($"Azurite did not listen on port {port} within 60 s.");
                }

                await Task.Delay(100);
            }
        }

        return started;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
