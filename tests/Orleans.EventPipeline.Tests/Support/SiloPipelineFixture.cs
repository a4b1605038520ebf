using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>
/// One real silo process in a temporary data directory, shared by the tests of a class or collection, and the
/// admin and ingest client that talks to it. Each fixture says only how its silo starts and what it does next.
/// </summary>
public abstract class SiloPipelineFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _data = new();

    internal SiloProcess Silo { get; private set; } = null!;

    internal PipelineApi Api { get; private set; } = null!;

    /// <summary>The silo's data directory (archive, logs, the emulator's partitions).</summary>
    internal string DataDirectory => _data.Path;

    /// <summary>
    /// The silo's lookup directory, created: <c>lookups</c> in its data directory, as <c>Pipeline:LookupDirectory</c> is
    /// unset. Tenants' lookup tables and GeoIP databases are read from here only.
    /// </summary>
    internal string LookupDirectory => Directory.CreateDirectory(Path.Combine(_data.Path, "lookups")).FullName;

    /// <summary>Starts the silo in <paramref name="dataDirectory"/> and waits until it is ready.</summary>
    private protected abstract Task<SiloProcess> StartSiloAsync(string dataDirectory);

    /// <summary>What the fixture does once the silo answers (known traffic, say); nothing by default.</summary>
    private protected virtual Task AfterStartAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Silo = await StartSiloAsync(_data.Path);
        Api = new PipelineApi(Silo.BaseAddress);
        await AfterStartAsync();
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _data.Dispose();
        GC.SuppressFinalize(this);
    }
}
