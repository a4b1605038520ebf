using System.Diagnostics;
using static System.FormattableString;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// Waits, before a silo starts, until the disk under the run's data takes a durable append without stalling.
/// Each run deletes its data directory when it ends (several GB at 100,000 events/s); on a file system mounted
/// with <c>discard</c> the freed blocks are discarded in the journal commits of the next seconds, and every
/// fsync that needs a commit (each partition log's append) waits for them: on this project's benchmark machine
/// 70-120 ms every 2-3 s for about 13 s after a 4 GiB delete (docs/PERFORMANCE.md, "The disk's own fsync
/// tail"). A run started in that aftermath measures the previous run's delete. The probe appends
/// <see cref="ProbeBytes"/> and fsyncs it every <see cref="ProbeInterval"/> until <see cref="QuietWindow"/> has
/// passed with no sync over <see cref="SlowSync"/>, or the deadline; it says how long it waited.
/// </summary>
internal static class DiskSettle
{
    private const int ProbeBytes = 64 * 1024;

    // The probe file is cut back to empty at this size, so deleting it frees no more than the archive's objects do
    // (deletes of a few MiB made no stall; one of 4 GiB did): a 60 s wait would otherwise leave 190 MB to delete.
    private const long ProbeFileBytes = 4L * 1024 * 1024;
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan SlowSync = TimeSpan.FromMilliseconds(30);

    // The stalls of a delete's aftermath come every 1-3 s: 5 s without one is past them.
    private static readonly TimeSpan QuietWindow = TimeSpan.FromSeconds(5);

    public static async Task WaitAsync(string directory, TimeSpan deadline, CancellationToken cancellationToken)
    {
        if (deadline <= TimeSpan.Zero)
        {
            return;
        }

        var path = Path.Combine(directory, "disk-settle.probe");
        var payload = new byte[ProbeBytes];
        var started = Stopwatch.GetTimestamp();
        var lastSlow = started;
        var slowest = TimeSpan.Zero;
        var syncs = 0;
        using (var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write))
        {
            long position = 0;
            while (Stopwatch.GetElapsedTime(lastSlow) < QuietWindow && Stopwatch.GetElapsedTime(started) < deadline)
            {
                var began = Stopwatch.GetTimestamp();
                RandomAccess.Write(file, payload, position);
                RandomAccess.FlushToDisk(file);
                position += ProbeBytes;
                if (position >= ProbeFileBytes)
                {
                    RandomAccess.SetLength(file, 0);
                    position = 0;
                }

                syncs++;
                var took = Stopwatch.GetElapsedTime(began);
                slowest = took > slowest ? took : slowest;
                if (took > SlowSync)
                {
                    lastSlow = Stopwatch.GetTimestamp();
                }

                await Task.Delay(ProbeInterval, cancellationToken);
            }
        }

        File.Delete(path);
        var waited = Stopwatch.GetElapsedTime(started);
        var settled = Stopwatch.GetElapsedTime(lastSlow) >= QuietWindow;
        Console.WriteLine(Invariant($"disk {(settled ? "settled" : "not settled")} after {waited.TotalSeconds:N1} s of {deadline.TotalSeconds:N0} (a {ProbeBytes / 1024} KiB append + fsync every {ProbeInterval.TotalMilliseconds:N0} ms, {syncs} syncs, until {QuietWindow.TotalSeconds:N0} s had none over {SlowSync.TotalMilliseconds:N0} ms; the slowest {slowest.TotalMilliseconds:N1} ms)"));
    }
}
