using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>The <see cref="PurgeGuard"/> of each partition this silo's receivers read, shared by its cache and its cursors.</summary>
internal sealed class PurgeGuards(StreamCacheOptions options, TimeProvider time, ILoggerFactory loggerFactory)
{
    private readonly ConcurrentDictionary<string, PurgeGuard> _guards = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger<PurgeGuard>();

    public PurgeGuard For(string partition) => _guards.GetOrAdd(partition, p => new PurgeGuard(p, options, time, _logger));
}
