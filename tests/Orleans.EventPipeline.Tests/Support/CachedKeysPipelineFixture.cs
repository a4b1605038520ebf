using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>
/// A real silo process with the shipped key cache (<c>Pipeline:Gateway:ApiKeyCacheDuration</c>, 30 s): what revoking
/// a key must get past. <see cref="LocalPipelineFixture"/> turns the cache off and so cannot see it.
/// </summary>
public sealed class CachedKeysPipelineFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _data = new();

    internal SiloProcess Silo { get; private set; } = null!;

    internal PipelineApi Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = SiloProcess.Start(_data.Path);
        await Silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
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
