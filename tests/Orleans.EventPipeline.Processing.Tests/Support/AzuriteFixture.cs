using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Orleans.EventPipeline.Processing.Tests.Support;

/// <summary>
/// Azurite (infra/test-deps; `npm ci --prefix infra/test-deps` installs it) on free loopback ports,
/// started once for the Blob tests and killed with its process tree at the end.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    // Azurite's documented development account key; it only opens Azurite.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    // Node starts Azurite in 1-3 s on this machine; 60 s leaves room for a loaded CI box.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _data = Path.Combine(Path.GetTempPath(), "ep-azurite-" + Guid.NewGuid().ToString("N"));
    private Process? _process;
    private int _blobPort;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{_blobPort}/devstoreaccount1;";

    public async Task InitializeAsync()
    {
        var root = typeof(AzuriteFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(static a => a.Key == "RepositoryRoot").Value!;
        var azurite = Path.GetFullPath(Path.Combine(root, "infra", "test-deps", "node_modules", "azurite", "dist", "src", "azurite.js"));
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite is not installed at {azurite}: run 'npm ci --prefix infra/test-deps'.");
        }

        Directory.CreateDirectory(_data);
        var ports = LoopbackPorts.Free(3);
        _blobPort = ports[0];
        var info = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            azurite, "--silent", "--location", _data, "--skipApiVersionCheck", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", Port(ports[0]),
            "--queueHost", "127.0.0.1", "--queuePort", Port(ports[1]),
            "--tableHost", "127.0.0.1", "--tablePort", Port(ports[2]),
        })
        {
            info.ArgumentList.Add(argument);
        }

        _process = Process.Start(info)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var started = Stopwatch.StartNew();
        while (!await LoopbackPorts.AcceptsAsync(_blobPort))
        {
            if (_process.HasExited || started.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"Azurite did not listen on port {_blobPort} within {StartTimeout.TotalSeconds} s.");
            }

            // Polling a port that is not open yet: there is nothing to await instead.
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
