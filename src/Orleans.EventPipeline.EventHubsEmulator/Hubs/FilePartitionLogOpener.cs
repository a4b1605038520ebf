using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Log;
using Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

namespace Orleans.EventPipeline.EventHubsEmulator.Hubs;

/// <summary>Opens the durable file-based partition log with the emulator's retention and size settings.</summary>
/// <param name="files">The log's storage; null for plain files. Tests pass one that records the order of writes and fsyncs.</param>
internal sealed class FilePartitionLogOpener(EmulatorOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory, ISegmentFileFactory? files = null) : IPartitionLogOpener
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
            FileFactory = files ?? FileSegmentFileFactory.Instance,
        };
        return await PartitionLog.OpenAsync(directory, logOptions, loggerFactory.CreateLogger<PartitionLog>(), cancellationToken).ConfigureAwait(false);
    }
}
