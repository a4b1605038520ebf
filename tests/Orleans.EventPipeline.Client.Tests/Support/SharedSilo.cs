namespace Orleans.EventPipeline.Client.Tests.Support;

/// <summary>The tests that need a running gateway but never stop it share one silo; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class SharedSiloGroup : ICollectionFixture<SharedSilo>
{
    public const string Name = "shared silo";
}

public sealed class SharedSilo : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _data = new();

    internal ArchivingSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await ArchivingSilo.StartAsync(_data.Path);

    public async Task DisposeAsync()
    {
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();
}
