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
            await using var file = File.OpenRead(path);
            objects.Add((Path.GetRelativePath(archiveDirectory, path).Replace('\\', '/'), await ArchiveFormat.DecodeAsync(file, CancellationToken.None)));
        }

        return objects;
    }

    /// <summary>
    /// Polls until <paramref name="done"/> holds for the tenant's archived events, and <paramref name="settled"/> for
    /// its objects when given; fails with what was there.
    /// </summary>
    /// <param name="describe">What is wrong with the last events read, for the failure message.</param>
    public static async Task<List<(string Name, List<NormalizedEvent> Events)>> WaitForAsync(
        string archiveDirectory,
        string tenant,
        Func<IReadOnlyList<NormalizedEvent>, bool> done,
        TimeSpan timeout,
        Func<IReadOnlyList<NormalizedEvent>, string>? describe = null,
        Func<List<(string Name, List<NormalizedEvent> Events)>, bool>? settled = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var objects = await ReadAsync(archiveDirectory, tenant);
            var events = objects.SelectMany(static o => o.Events).ToList();
            if (done(events) && (settled is null || settled(objects)))
            {
                return objects;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"Tenant {tenant}'s archive did not reach the expected state within {timeout}; it holds {events.Count} events in {objects.Count} objects " +
                    $"({string.Join(", ", objects.Select(static o => o.Name))}). {describe?.Invoke(events)}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }
}
