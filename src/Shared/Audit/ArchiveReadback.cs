using System.Collections.Concurrent;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Audit;

/// <summary>
/// Reads tenants' archives back with the pipeline's own reader (<see cref="ArchiveCatalog"/> over the run's
/// <see cref="IArchiveStore"/>: the local directory or Blob storage), for the fault harness's audit and the
/// load tool's end-to-end check. While polling, each object is decoded once and kept only as
/// <typeparamref name="T"/> (a few fields of each event, so millions of events fit); a final audit reads
/// every object again. An object's <see cref="ArchivedObject{T}.FirstSeen"/> is when a listing first showed
/// it, by <see cref="WatchAsync"/> in the background or by <see cref="ReadAsync"/>, never after this reader
/// decoded other objects: the archive's lag measured here is the pipeline's, not the reader's.
/// </summary>
/// <param name="runStart">When the run began: its events carry no time of their own, so they are archived at their ingest time, after this.</param>
internal sealed class ArchiveReadback<T>(IArchiveStore store, Func<NormalizedEvent, T> project, DateTimeOffset runStart, TimeProvider time)
{
    // Events are archived in the hour of their time; an hour either side covers a run that crosses one.
    private static readonly TimeSpan Margin = TimeSpan.FromHours(1);

    private readonly Dictionary<string, ArchivedObject<T>> _seen = new(StringComparer.Ordinal);

    // Written by WatchAsync's loop while ReadAsync decodes on another.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _listed = new(StringComparer.Ordinal);

    /// <summary>
    /// Lists the tenants' objects every <paramref name="poll"/> until cancelled, noting when each first
    /// appeared, without decoding any: cheap enough to run while the load is posted, and while
    /// <see cref="ReadAsync"/> decodes what it listed earlier.
    /// </summary>
    public async Task WatchAsync(IReadOnlyList<string> tenants, TimeSpan poll, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(poll, time);
        try
        {
            do
            {
                foreach (var tenant in tenants)
                {
                    await ListAsync(tenant, cancellationToken);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller has read what it needs.
        }
    }

    /// <summary>The tenant's archive objects, each with the time a listing of this reader first showed it.</summary>
    /// <param name="again">Decode every object again instead of reusing what an earlier call read.</param>
    public async Task<IReadOnlyList<ArchivedObject<T>>> ReadAsync(string tenant, bool again, CancellationToken cancellationToken)
    {
        var objects = new List<ArchivedObject<T>>();
        foreach (var (name, firstSeen) in await ListAsync(tenant, cancellationToken))
        {
            if (again || !_seen.TryGetValue(name.Name, out var archived))
            {
                var events = await ArchiveCatalog.ReadAsync(store, name, cancellationToken);
                archived = new ArchivedObject<T>(name.Name, firstSeen, [.. events.Select(project)]);
                _seen[name.Name] = archived;
            }

            objects.Add(archived);
        }

        return objects;
    }

    private async Task<List<(ArchiveObjectName Name, DateTimeOffset FirstSeen)>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        var names = new List<(ArchiveObjectName, DateTimeOffset)>();
        await foreach (var name in ArchiveCatalog.ListAsync(store, tenant, runStart - Margin, time.GetUtcNow() + Margin, cancellationToken))
        {
            // Stamped as the listing yields it, never before it was written.
            names.Add((name, _listed.GetOrAdd(name.Name, time.GetUtcNow())));
        }

        return names;
    }
}

/// <summary>One archive object as read back: its name, when a listing of the reader first showed it, and its events' projections.</summary>
internal sealed record ArchivedObject<T>(string Name, DateTimeOffset FirstSeen, IReadOnlyList<T> Events);
