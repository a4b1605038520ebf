using System.Reflection;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// The real silo process set up for the processing tests: archive objects cut after 2 s (checked every
/// 200 ms) so tests see them quickly, settings re-read every second, the sample detection assembly
/// loaded through <c>Pipeline:GrainAssemblies</c> with a threshold of 3 failed logins, processing
/// grains logging at Information.
/// </summary>
internal static class ProcessingSilo
{
    public const int DetectionThreshold = 3;

    public static string DetectionAssemblyPath => Path.GetFullPath(typeof(ProcessingSilo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(static attribute => attribute.Key == "DetectionSampleAssemblyPath").Value!);

    public static async Task<SiloProcess> StartAsync(string dataDirectory)
    {
        var silo = SiloProcess.Start(
            dataDirectory,
            "--Pipeline:Archive:MaxAge=00:00:02",
            "--Pipeline:Archive:FlushCheckInterval=00:00:00.200",
            "--Pipeline:Processing:SettingsRefreshInterval=00:00:01",
            $"--Pipeline:GrainAssemblies:0={DetectionAssemblyPath}",
            $"--Detection:FailedLogins:Threshold={DetectionThreshold}",
            // The silo logs "Orleans*" at Warning by default; the crash test reads the processors' resume line.
            "--Logging:LogLevel:Orleans.EventPipeline.Grains.Processing=Information");
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
}

/// <summary>The processing tests that share one silo; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ProcessingSiloGroup : ICollectionFixture<ProcessingPipelineFixture>
{
    public const string Name = "processing silo";
}

/// <summary>One processing silo shared by the tests of <see cref="ProcessingSiloGroup"/>.</summary>
public sealed class ProcessingPipelineFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _data = new();

    internal SiloProcess Silo { get; private set; } = null!;

    internal PipelineApi Api { get; private set; } = null!;

    internal string ArchiveDirectory => Path.Combine(_data.Path, "archive");

    public async Task InitializeAsync()
    {
        Silo = await ProcessingSilo.StartAsync(_data.Path);
        Api = new PipelineApi(Silo.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();
}
