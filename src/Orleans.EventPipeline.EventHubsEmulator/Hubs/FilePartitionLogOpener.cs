using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Log;

namespace Orleans.EventPipeline.EventHubsEmulator.Hubs;

/// <summary>Opens the durable file-based partition log with the emulator's retention and size settings.</summary>
internal sealed class FilePartitionLogOpener(EmulatorOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory) : IPartitionLogOpener
{
    public async ValueTask<IPartitionLog> OpenAsync(string directory, CancellationToken cancellationToken)
    {
        var logOptions = new PartitionLogOptions
        {
            SegmentBytes = options.SegmentBytes,
            RetentionAge = options.RetentionPeriod,
            RetentionBytes = options.RetentionBytesPerPartition,
            // An event can be as large as the whole transfer that carried it.
            MaxRecordBytes = options.MaxMessageSizeBytes,
            TimeProvider = timeProvider,
        };
        return await PartitionLog.OpenAsync(directory, logOptions, loggerFactory.CreateLogger<PartitionLog>(), cancellationToken).ConfigureAwait(false);
    }
}
