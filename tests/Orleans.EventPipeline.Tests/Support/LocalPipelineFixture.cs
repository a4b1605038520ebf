using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>
/// One real silo process in local mode (embedded emulator, SQLite) shared by a test class, started
/// with small gateway and message limits so the 413 paths are cheap to reach, and no API key caching (a revoked
/// key fails at once with the cache too: <see cref="CachedKeysPipelineFixture"/>).
/// </summary>
public sealed class LocalPipelineFixture : SiloPipelineFixture
{
    public const int MaxBodyBytes = 256 * 1024;
    public const int MaxDecompressedBytes = 1024 * 1024;
    public const int MaxEventBytes = 16 * 1024;

    /// <summary>Largest Event Hubs message the ingest grain writes here, so a body under the wire limit still spans several.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    private protected override Task<SiloProcess> StartSiloAsync(string dataDirectory) =>
        SiloProcess.StartReadyAsync(
            dataDirectory,
            $"--Pipeline:Gateway:MaxBodyBytes={MaxBodyBytes}",
            $"--Pipeline:Gateway:MaxDecompressedBytes={MaxDecompressedBytes}",
            $"--Pipeline:Gateway:MaxEventBytes={MaxEventBytes}",
            $"--Pipeline:Ingest:MaxMessageBytes={MaxMessageBytes}",
            "--Pipeline:Gateway:ApiKeyCacheDuration=00:00:00");
}
