using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Processing.Enrichment;

public sealed partial class Enricher
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Lookup table {Table} loaded with {Rows} keys")]
    private static partial void LogTableLoaded(ILogger logger, string table, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Enrichment unavailable: {Reason}")]
    private static partial void LogEnrichmentUnavailable(ILogger logger, string reason);
}
