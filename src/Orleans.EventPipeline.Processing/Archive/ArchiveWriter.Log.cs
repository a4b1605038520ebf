using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Processing.Archive;

public sealed partial class ArchiveWriter
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Archived {Object}: {Events} events, {Bytes} bytes, {Compressed} compressed")]
    private static partial void LogFlushed(ILogger logger, string @object, int events, long bytes, int compressed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Old}: a replay archived its events again as {New}")]
    private static partial void LogSuperseded(ILogger logger, string old, string @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object} holds events of {Hours} hours a range listing would not find through its own; markers were left in the {Marked} with the most, so its other events are listed only through those or its own hour")]
    private static partial void LogSpillCapped(ILogger logger, string @object, int hours, int marked);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Holding {StreamKey} {First}-{Last}: replaying an object archived up to {ExistingLast} before a restart")]
    private static partial void LogHolding(ILogger logger, string streamKey, long first, long last, long existingLast);
}
