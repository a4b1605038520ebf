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

    /// <param name="overrides">Settings of the test's own, after (and so over) these.</param>
    public static Task<SiloProcess> StartAsync(string dataDirectory, params string[] overrides) =>
        SiloProcess.StartReadyAsync(
            dataDirectory,
            [
            "--Pipeline:Archive:MaxAge=00:00:02",
            "--Pipeline:Archive:FlushCheckInterval=00:00:00.200",
            "--Pipeline:Processing:SettingsRefreshInterval=00:00:01",
            $"--Pipeline:GrainAssemblies:0={DetectionAssemblyPath}",
            $"--Detection:FailedLogins:Threshold={DetectionThreshold}",
            // The silo logs "Orleans*" at Warning by default; the crash test reads the processors' resume line.
            "--Logging:LogLevel:Orleans.EventPipeline.Grains.Processing=Information",
            .. overrides,
            ]);
}

/// <summary>The processing tests that share one silo; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ProcessingSiloGroup : ICollectionFixture<ProcessingPipelineFixture>
{
    public const string Name = "processing silo";
}

/// <summary>One processing silo shared by the tests of <see cref="ProcessingSiloGroup"/>.</summary>
public sealed class ProcessingPipelineFixture : SiloPipelineFixture
{
    internal string ArchiveDirectory => Path.Combine(DataDirectory, "archive");

    private protected override Task<SiloProcess> StartSiloAsync(string dataDirectory) => ProcessingSilo.StartAsync(dataDirectory);
}
