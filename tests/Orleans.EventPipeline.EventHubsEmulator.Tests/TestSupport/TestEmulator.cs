using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.EventHubsEmulator.Hubs;
using Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

/// <summary>One in-process emulator on a free loopback port with its own data folder, for one test.</summary>
internal sealed class TestEmulator : IAsyncDisposable
{
    public const string Hub = "events";
    public const string KeyName = "RootManageSharedAccessKey";
    public const string Key = "dGVzdC1rZXktZm9yLXRoZS1lbXVsYXRvci10ZXN0cw==";

    private readonly TempDirectory? _ownedDirectory;

    private TestEmulator(EventHubsEmulatorServer server, EmulatorOptions options, TempDirectory? ownedDirectory)
    {
        Server = server;
        Options = options;
        _ownedDirectory = ownedDirectory;
    }

    public EventHubsEmulatorServer Server { get; }

    public EmulatorOptions Options { get; }

    public string ConnectionString => Server.ConnectionString(Hub);

    public static EmulatorOptions CreateOptions(string dataDirectory, int partitionCount = 4) => new()
    {
        Port = 0,
        DataDirectory = dataDirectory,
        Hubs = { [Hub] = new EventHubDefinition { PartitionCount = partitionCount, ConsumerGroups = ["other"] } },
        SharedAccessKeys = { [KeyName] = Key },
    };

    public static async Task<TestEmulator> StartAsync(
        int partitionCount = 4,
        string? dataDirectory = null,
        Action<EmulatorOptions>? configure = null,
        ILoggerFactory? loggerFactory = null,
        ISegmentFileFactory? files = null)
    {
        TempDirectory? owned = dataDirectory is null ? new TempDirectory() : null;
        EmulatorOptions options = CreateOptions(dataDirectory ?? owned!.Path, partitionCount);
        configure?.Invoke(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        var server = files is null
            ? new EventHubsEmulatorServer(options, loggerFactory)
            : new EventHubsEmulatorServer(options, loggerFactory, TimeProvider.System, new FilePartitionLogOpener(options, TimeProvider.System, loggerFactory, files));
        await server.StartAsync();
        return new TestEmulator(server, options, owned);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _ownedDirectory?.Dispose();
    }
}
