using System.Globalization;
using Orleans.EventPipeline.Measurement;
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
        var lag = new LatencyRecorder();
        foreach (var (_, lagMs) in _objects.Values.SelectMany(static o => o.Events))
        {
            lag.Record(TimeSpan.FromMilliseconds(lagMs));
        }

        return lag.Count == 0
            ? "no events archived"
            : string.Create(CultureInfo.InvariantCulture, $"archive lag (object written - ingest time): p50 {lag.Milliseconds(50):N0} ms, p99 {lag.Milliseconds(99):N0} ms, max {lag.MaxMilliseconds:N0} ms");
    }
}
