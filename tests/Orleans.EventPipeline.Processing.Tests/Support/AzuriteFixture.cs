using Orleans.EventPipeline.Processes;

namespace Orleans.EventPipeline.Processing.Tests.Support;

/// <summary>Azurite started once for the Blob tests of a class, stopped with its data at the end.</summary>
public sealed class AzuriteFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _data = new();
    private AzuriteNode? _azurite;

    public string ConnectionString => _azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite has not started.");

    public async Task InitializeAsync() => _azurite = await AzuriteNode.StartAsync(_data.Path);

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();
}
