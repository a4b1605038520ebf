using System.Globalization;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// Reads the archive directory back: how many events arrived, how many twice, and how long after
/// its ACK (ingest time) each event's object was written. Each object is decoded once per version
/// (name + write time), so polling stays cheap.
/// </summary>
internal sealed class ArchiveCheck(string archiveDirectory)
{
    private readonly Dictionary<string, (DateTime Written, List<(string Id, double LagMs)> Events)> _objects = [];

    public int Archived => _objects.Values.Sum(static o => o.Events.Count);

    public int Distinct => _objects.Values.SelectMany(static o => o.Events).Select(static e => e.Id).Distinct().Count();

    public async Task RefreshAsync()
    {
        if (!Directory.Exists(archiveDirectory))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(archiveDirectory, "*" + ArchiveObjectName.Extension, SearchOption.AllDirectories))
        {
            var written = File.GetLastWriteTimeUtc(path);
            if (_objects.TryGetValue(path, out var known) && known.Written == written)
            {
                continue;
            }

            await using var file = File.OpenRead(path);
            var events = await ArchiveFormat.DecodeAsync(file, CancellationToken.None);
            _objects[path] = (written, events.Select(e => (e.EventId, (written - e.IngestTime.UtcDateTime).TotalMilliseconds)).ToList());
        }
    }

    public string LagSummary()
    {
        var lags = _objects.Values.SelectMany(static o => o.Events).Select(static e => e.LagMs).Order().ToArray();
        if (lags.Length == 0)
        {
            return "no events archived";
        }

        double At(double p) => lags[Math.Min(lags.Length - 1, (int)Math.Ceiling(p / 100 * lags.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"archive lag (object written - ingest time): p50 {At(50):N0} ms, p99 {At(99):N0} ms, max {lags[^1]:N0} ms");
    }
}
