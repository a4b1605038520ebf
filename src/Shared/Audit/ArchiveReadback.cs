using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Audit;

/// <summary>
/// Reads tenants' archives back with the pipeline's own reader (<see cref="ArchiveCatalog"/> over the run's
/// <see cref="IArchiveStore"/>: the local directory or Blob storage), for the fault harness's audit and the
/// load tool's end-to-end check. While polling, each object is decoded once and kept only as
/// <typeparamref name="T"/> (a few fields of each event, so millions of events fit); a final audit reads
/// every object again.
/// </summary>
/// <param name="runStart">When the run began: its events carry no time of their own, so they are archived at their ingest time, after this.</param>
internal sealed class ArchiveReadback<T>(IArchiveStore store, Func<NormalizedEvent, T> project, DateTimeOffset runStart, TimeProvider time)
{
    // Events are archived in the hour of their time; an hour either side covers a run that crosses one.
    private static readonly TimeSpan Margin = TimeSpan.FromHours(1);

    private readonly Dictionary<string, ArchivedObject<T>> _seen = new(StringComparer.Ordinal);

    /// <summary>The tenant's archive objects, each with the time this reader first came to it (after the objects before it were decoded: never before it was written).</summary>
    /// <param name="again">Decode every object again instead of reusing what an earlier call read.</param>
    public async Task<IReadOnlyList<ArchivedObject<T>>> ReadAsync(string tenant, bool again, CancellationToken cancellationToken)
    {
        var objects = new List<ArchivedObject<T>>();
        var now = time.GetUtcNow();
        await foreach (var name in ArchiveCatalog.ListAsync(store, tenant, runStart - Margin, now + Margin, cancellationToken))
        {
            if (again || !_seen.TryGetValue(name.Name, out var archived))
            {
                var events = await ArchiveCatalog.ReadAsync(store, name, cancellationToken);
                var firstSeen = _seen.TryGetValue(name.Name, out var earlier) ? earlier.FirstSeen : time.GetUtcNow();
                archived = new ArchivedObject<T>(name.Name, firstSeen, [.. events.Select(project)]);
                _seen[name.Name] = archived;
            }

            objects.Add(archived);
        }

        return objects;
    }
}

/// <summary>One archive object as read back: its name, when the reader first listed it, and its events' projections.</summary>
internal sealed record ArchivedObject<T>(string Name, DateTimeOffset FirstSeen, IReadOnlyList<T> Events);
