using System.Diagnostics;
using System.Globalization;
using Orleans.EventPipeline.Processing.Archive;

// An archive writer lists its object's first sequence in the tenant's hour folder twice per object it writes
// (the furthest object of that sequence, then the superseded ones). This fills one hour's folder with objects of
// eight stream keys and times that listing, with the bytes it allocates.
if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: ArchiveListing <objects in the hour's folder> [listings to time, 200]");
    return 2;
}

var objects = int.Parse(args[0], CultureInfo.InvariantCulture);
var listings = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
var root = Directory.CreateTempSubdirectory("archive-listing-");
try
{
    var store = new LocalDirectoryArchiveStore(root.FullName);
    var hour = new DateTimeOffset(2026, 12, 5, 13, 0, 0, TimeSpan.Zero);
    var folder = ArchiveObjectName.FolderOf("t", hour);
    for (var i = 0; i < objects; i++)
    {
        var name = new ArchiveObjectName("t", hour, $"t-raw-{i % 8}", i * 1000L, i * 1000L + 999).Name;
        var path = Path.Combine(root.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [0]);
    }

    var prefix = folder + ArchiveObjectName.SequencePrefix("t-raw-3", 3000);
    var found = await ListAsync(store, prefix, 20);
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var clock = Stopwatch.StartNew();
    found = await ListAsync(store, prefix, listings);
    clock.Stop();
    var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{objects} objects in the folder: {clock.Elapsed.TotalMilliseconds / listings:F3} ms and {allocated / listings / 1024.0:F1} KiB allocated per listing, {found / listings} found"));
    return found == listings ? 0 : 1;
}
finally
{
    root.Delete(recursive: true);
}

static async Task<int> ListAsync(IArchiveStore store, string prefix, int times)
{
    var found = 0;
    for (var i = 0; i < times; i++)
    {
        await foreach (var _ in store.ListAsync(prefix, CancellationToken.None))
        {
            found++;
        }
    }

    return found;
}
