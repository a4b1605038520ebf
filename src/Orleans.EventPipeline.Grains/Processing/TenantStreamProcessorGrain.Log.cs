using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Grains.Processing;

public sealed partial class TenantStreamProcessorGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} active, archived through raw sequence {ArchivedThrough}")]
    private static partial void LogActivated(ILogger logger, string streamKey, long archivedThrough);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} uses settings version {Version}; enrichment unavailable: {EnrichmentFailure}")]
    private static partial void LogSettingsApplied(ILogger logger, string streamKey, long version, string? enrichmentFailure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} keeps settings version {Version} over {Newer} until raw sequence {Sequence}, whose delivery failed, is handled: its retry meets the stages its first attempt met")]
    private static partial void LogSettingsDeferred(ILogger logger, string streamKey, long version, long newer, long sequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} keeps settings version {Version} over {Newer} until the batches processed under it are archived or dead-lettered: a replay of them after a crash meets the same settings")]
    private static partial void LogSettingsDeferredForReplay(ILogger logger, string streamKey, long version, long newer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} drops raw sequence {Sequence} (batch {BatchId}, {Events} events) and the rest of its data generation: a delete removed the tenant's data after they were acknowledged")]
    private static partial void LogRemovedBatchDropped(ILogger logger, string streamKey, long sequence, Guid batchId, int events);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} dropped {Events} buffered events and {Keyed} keyed batch records of a tenant whose data a delete removes, and {Ordered} events of its order stage; archived through raw sequence {ArchivedThrough}")]
    private static partial void LogRemovedDataDropped(ILogger logger, string streamKey, int events, int keyed, int ordered, long archivedThrough);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Archived {ObjectName} through raw sequence {Sequence}")]
    private static partial void LogArchived(ILogger logger, string objectName, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Processor {StreamKey} could not write its archive buffer; it is kept and retried. {Unlogged} failures went unlogged since the last warning: the same error is logged once every {EverySeconds} s")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, string streamKey, int unlogged, double everySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processor {StreamKey} deactivated with {Events} events it could not archive; its partition's checkpoint is held before them until this silo restarts, and the restart replays them")]
    private static partial void LogDeactivationFlushFailed(ILogger logger, Exception exception, string streamKey, int events);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processor {StreamKey} deactivated without recording its archive objects through raw sequence {ArchivedThrough}; the objects are durable, and a replay from before them rebuilds the last one in place")]
    private static partial void LogDeactivationRecordFailed(ILogger logger, Exception exception, string streamKey, long archivedThrough);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Processor {StreamKey} could not refresh its settings or write its archive buffer; retried on the next tick. {Unlogged} failures went unlogged since the last warning: the same error is logged once every {EverySeconds} s")]
    private static partial void LogTimerFailed(ILogger logger, Exception exception, string streamKey, int unlogged, double everySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} works again after {Failed} failed attempts over {Seconds:F0} s")]
    private static partial void LogWorksAgain(ILogger logger, string streamKey, int failed, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream {StreamKey} delivered batch {BatchId} of tenant {TenantId}; it was dropped from processing, the stream key decides the tenant")]
    private static partial void LogForeignBatch(ILogger logger, string streamKey, string tenantId, Guid batchId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} dropped events {FirstIndex}..+{Count} of keyed batch {BatchId}: a retry of events already archived or dead-lettered")]
    private static partial void LogRepeatDropped(ILogger logger, string streamKey, Guid batchId, int firstIndex, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Processor {StreamKey} met events {FirstIndex}..+{Count} of keyed batch {BatchId} unmarked after a retry of them: a first attempt that reached the stream after its retry (two activations of its ingest shard); it keeps only the events the retry did not handle")]
    private static partial void LogFirstAttemptAfterRetry(ILogger logger, string streamKey, Guid batchId, int firstIndex, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} restored {Count} marked retries an earlier activation met: their first attempts are looked up should they land later")]
    private static partial void LogRetriesRestored(ILogger logger, string streamKey, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} moves to silo {Reader}: its partition is read by another silo now")]
    private static partial void LogMovingToReader(ILogger logger, string streamKey, SiloAddress? reader);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Processor {StreamKey} refuses batches from raw sequence {Sequence}: its archive buffer of {Buffered} bytes cannot be written, and the silo's archive buffers hold {Held} bytes of their {Budget}; the receiver retries them (eventpipeline_archive_refused_total counts each refusal)")]
    private static partial void LogRefusedOverBudget(ILogger logger, string streamKey, long sequence, long buffered, long held, long budget);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} takes batches again from raw sequence {Sequence}")]
    private static partial void LogAcceptingAgain(ILogger logger, string streamKey, long sequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {StreamKey} refused raw sequence {Sequence}: its partition is read by another silo now, which redelivers it once this activation moved there")]
    private static partial void LogRefusedElsewhere(ILogger logger, string streamKey, long sequence);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Processor {StreamKey} takes raw sequence {Sequence}, batch {BatchId} of {Count} events")]
    private static partial void LogTaking(ILogger logger, string streamKey, long sequence, Guid batchId, int count);
}
