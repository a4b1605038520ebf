using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// The <see cref="PurgeGuard"/> of each partition this silo's receivers read, shared by its cache and its
/// cursors; by stream provider and partition, as two hubs' partitions share ids.
/// </summary>
/// <param name="options">The cache ages, and the byte budget of this set of caches (<see cref="StreamCacheOptions.MaxBytes"/>).</param>
/// <param name="wording">What the held-partition warning says about this set's budget setting and where held messages wait.</param>
internal sealed class PurgeGuards(StreamCacheOptions options, PurgeGuardWording wording, TimeProvider time, ILoggerFactory loggerFactory)
{
    private readonly ConcurrentDictionary<(string Provider, string Partition), PurgeGuard> _guards = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger<PurgeGuard>();

    /// <summary>The byte budget the partitions' caches share (<see cref="StreamCacheOptions.MaxBytes"/>).</summary>
    public CacheBudget Budget { get; } = new(options.MaxBytes);

    public PurgeGuard For(string provider, string partition) =>
        _guards.GetOrAdd((provider, partition), key =>
        {
            var name = $"{key.Provider}/{key.Partition}";
            StreamCacheInstruments.StartHolds(name);
            return new PurgeGuard(name, options, wording, time, _logger);
        });
}
