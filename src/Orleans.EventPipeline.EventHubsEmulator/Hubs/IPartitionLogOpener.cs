using Orleans.EventPipeline.EventHubsEmulator.Log;

namespace Orleans.EventPipeline.EventHubsEmulator.Hubs;

/// <summary>Opens (creating or recovering) the log stored in one partition directory.</summary>
internal interface IPartitionLogOpener
{
    ValueTask<IPartitionLog> OpenAsync(string directory, CancellationToken cancellationToken);
}
