using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>Reads a tenant's archive straight from the local archive directory, and polls it with a deadline.</summary>
internal static class ArchiveFiles
{
    /// <summary>Every object of the tenant, by name, with its events in file order.</summary>
    public static async Task<List<(string Name, List<NormalizedEvent> Events)>> ReadAsync(string archiveDirectory, string tenant)
    {
        var objects = new List<(string, List<NormalizedEvent>)>();
        var folder = Path.Combine(archiveDirectory, tenant);
        if (!Directory.Exists(folder))
        {
            return objects;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*" + ArchiveObjectName.Extension, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            FileStream file;
            try
            {
                file = File.OpenRead(path);
            }
            catch (FileNotFoundException)
            {
                // Deleted since the listing: a replay's rebuilt object superseded it.
                continue;
            }

            await using (file)
            {
                objects.Add((Path.GetRelativePath(archiveDirectory, path).Replace('\\', '/'), await ArchiveFormat.DecodeAsync(file, CancellationToken.None)));
            }
        }

        return objects;
    }

    /// <summary>
    /// Polls until <paramref name="done"/> holds for the tenant's archived events and no supersede is under way; fails with
    /// what was there. A replay after a crash writes its rebuilt object before it deletes the one it replaces (same stream
    /// key and first position): a read between the two sees both, so counting then would take a rebuild for a copy. An
    /// object never superseded times out here; a copy anywhere else is left for the caller's count.
    /// </summary>
    /// <param name="describe">What is wrong with the last events read, for the failure message.</param>
    public static async Task<List<(string Name, List<NormalizedEvent> Events)>> WaitForAsync(
        string archiveDirectory,
        string tenant,
        Func<IReadOnlyList<NormalizedEvent>, bool> done,
        TimeSpan timeout,
        Func<IReadOnlyList<NormalizedEvent>, string>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var objects = await ReadAsync(archiveDirectory, tenant);
            var events = objects.SelectMany(static o => o.Events).ToList();
            var superseding = SameStart(objects);
            if (done(events) && superseding is null)
            {
                return objects;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"Tenant {tenant}'s archive did not reach the expected state within {timeout}; it holds {events.Count} events in {objects.Count} objects " +
                    $"({string.Join(", ", objects.Select(static o => o.Name))}). {(superseding is null ? "" : $"{superseding} share a first position: the older was never deleted. ")}{describe?.Invoke(events)}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Two objects of one stream key that start at the same position (a supersede under way), else null.</summary>
    private static string? SameStart(List<(string Name, List<NormalizedEvent> Events)> objects)
    {
        var starts = new Dictionary<(string, long), string>();
        foreach (var (objectName, _) in objects)
        {
            if (!ArchiveObjectName.TryParse(objectName, out var name))
            {
                throw new InvalidDataException($"The archive holds an object whose name does not parse: {objectName}");
            }

            if (!starts.TryAdd((name.StreamKey, name.FirstSequence), objectName))
            {
                return $"{starts[(name.StreamKey, name.FirstSequence)]} and {objectName}";
            }
        }

        return null;
    }
}
