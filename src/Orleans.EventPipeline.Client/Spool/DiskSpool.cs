using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using Orleans.EventPipeline.IO;

namespace Orleans.EventPipeline.Client.Spool;

/// <summary>
/// The on-disk spool: batches appended to segment files (<c>{first sequence:D20}.seg</c>) and fsync'd before they
/// are sent, and a head file naming the first batch not yet acknowledged (written to a temporary file, fsync'd
/// and renamed over the old one). A segment whose batches are all behind the head is deleted. A reserve file holds
/// space for that head write, so a disk the spool's own segments filled still lets acknowledged batches free theirs.
/// Opening it
/// reads every segment back and keeps the intact batches past the head in order; a damaged record costs only itself
/// (its bytes are moved to a <c>.damaged</c> file and reported), and a torn tail of the newest segment is cut off. One process per directory: a lock file is held while open.
/// The <c>.damaged</c> files count in the spool's bytes (<see cref="DamagedBytes"/>), kept to a bound by deleting the oldest.
/// Which parts of a batch were split after a 413 is kept beside it until it is done (<see cref="SpoolSplits"/>).
/// <see cref="DiskBytes"/> is what the directory holds but for the head, the rooms kept for the reserve and that record
/// included, so a bound on it bounds the spool's files.
/// </summary>
internal sealed class DiskSpool : IDisposable
{
    private const string SegmentExtension = ".seg";
    private const string HeadFile = "head";
    private const string LockFile = "lock";
    private const string ReserveFile = "reserve";
    private const string DamagedExtension = ".damaged";

    // The head write needs a new file (head.tmp, renamed over head), so on a disk the segments filled it failed and
    // nothing was ever freed (helper-119). 64 KiB is 16 pages of 4 KiB: room for a head.tmp of checkpoints up to
    // ~60 KiB; each head write frees the old head's pages as it renames, so the room lasts until the segments go.
    private const int ReserveBytes = 64 * 1024;

    /// <summary>
    /// Room counted in <see cref="DiskBytes"/> whether or not it is taken: the reserve's, and the split record's (one at a
    /// time, the batch being sent's: <see cref="SpoolSplits.RoomBytes"/>), so a spool at its bound still has both.
    /// </summary>
    public const long KeptRoomBytes = ReserveBytes + SpoolSplits.RoomBytes;

    // ENOSPC and EDQUOT (Linux): the disk or the user's quota is full.
    private const int NoSpace = 28;
    private const int QuotaExceeded = 122;
    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly long _maxDamagedBytes;
    private readonly FileStream _lock;
    private readonly Lock _gate = new();
    private readonly Queue<SpoolEntry> _pending = new();
    private readonly List<(string Path, long LastSequence, long Length)> _closedSegments = [];
    private readonly SpoolSplits _splits;
    private FileStream? _active;
    private long _activeLastSequence = -1;
    private long _nextSequence;
    private long _bytes;
    private long _damagedBytes;
    private int _damagedFiles;

    // What the segment files hold on disk: acknowledged batches too, until their segment is deleted.
    private long _segmentsOnDisk;

    // False once the reserve was deleted to let a head be written: appends wait (a disk-full wait) until it is back,
    // so they cannot take the room the next head write needs.
    private bool _reserved;

    private DiskSpool(string directory, long segmentBytes, long maxDamagedBytes, FileStream lockFile)
    {
        _directory = directory;
        _segmentBytes = segmentBytes;
        _maxDamagedBytes = maxDamagedBytes;
        _lock = lockFile;
        _splits = new SpoolSplits(directory);
    }

    /// <summary>What opening found.</summary>
    public SpoolRecovery Recovery { get; private set; } = new(0, 0, 0, []);

    /// <summary>Every source's position after the newest spooled batch: where sources resume.</summary>
    public IReadOnlyDictionary<string, string> Checkpoints { get; private set; } = new Dictionary<string, string>();

    /// <summary>Bytes of the batches not yet acknowledged.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Bytes of the <c>.damaged</c> files in the directory, as of opening or the last <see cref="RecountDamaged"/>.</summary>
    public long DamagedBytes => Volatile.Read(ref _damagedBytes);

    /// <summary>How many <c>.damaged</c> files <see cref="DamagedBytes"/> counts.</summary>
    public int DamagedFiles => Volatile.Read(ref _damagedFiles);

    /// <summary>
    /// The directory's bytes: the segments (acknowledged batches too, until their segment goes), the <c>.damaged</c>
    /// files, and <see cref="KeptRoomBytes"/> for the reserve and the split record, taken or not. Each file's length: the
    /// file system rounds each up to its blocks. Not the head (20 bytes and the sources' checkpoints): counted, a call of
    /// half the bound would never fit beside the kept room in the smallest spool the options allow, and on a full disk
    /// its write has the reserve's room.
    /// </summary>
    public long DiskBytes => Volatile.Read(ref _segmentsOnDisk) + DamagedBytes + ReserveBytes + Math.Max(SpoolSplits.RoomBytes, _splits.Bytes);

    /// <summary>Bytes of the split records on disk now: within <see cref="SpoolSplits.RoomBytes"/>, counted in <see cref="DiskBytes"/> whether used or not (more only from a record an older client wrote).</summary>
    public long SplitBytes => _splits.Bytes;

    /// <summary>The <c>.damaged</c> files opening deleted, oldest first, to keep them within the bound, with their bytes.</summary>
    public IReadOnlyList<(string Path, long Bytes)> DamagedDeleted { get; private set; } = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>The sequence the next appended batch gets.</summary>
    public long NextSequence
    {
        get
        {
            lock (_gate)
            {
                return _nextSequence;
            }
        }
    }

    /// <param name="maxDamagedBytes">The most bytes the <c>.damaged</c> files may hold after opening: past it the oldest are deleted.</param>
    /// <exception cref="IOException">Another process holds the spool, or it cannot be read.</exception>
    public static DiskSpool Open(string directory, long segmentBytes, long maxDamagedBytes)
    {
        Directory.CreateDirectory(directory);
        FileStream lockFile;
        try
        {
            lockFile = LockFiles.Take(Path.Combine(directory, LockFile));
        }
        catch (IOException e) when (LockFiles.HeldByAnother(e))
        {
            throw new IOException($"The spool directory '{directory}' is in use by another client or agent; each needs its own.", e);
        }

        var spool = new DiskSpool(directory, segmentBytes, maxDamagedBytes, lockFile);
        try
        {
            spool.Recover();
            // On a full disk the spool opens without it (a restart after the reserve was used): appends wait for it.
            spool._reserved = spool.TryCreateReserve();
            return spool;
        }
        catch
        {
            spool.Dispose();
            throw;
        }
    }

    /// <summary>Appends the batch and fsyncs it; returns once it is durable.</summary>
    public SpoolEntry Append(SpooledBatch batch)
    {
        var record = SpoolRecordCodec.Encode(batch);
        lock (_gate)
        {
            if (batch.Sequence != _nextSequence)
            {
                throw new InvalidOperationException($"Batch {batch.Sequence} appended out of order: the spool expects {_nextSequence}.");
            }

            if (!Replenish())
            {
                throw new IOException($"No space left on device for the spool's {ReserveBytes / 1024} KiB reserve ('{Path.Combine(_directory, ReserveFile)}'): batches wait until acknowledged ones free it.", NoSpace);
            }

            if (_active is null || _active.Length >= _segmentBytes)
            {
                RollSegment(batch.Sequence);
            }

            var offset = _active!.Length;
            try
            {
                _active.Write(record);
                _active.Flush(flushToDisk: true);
            }
            catch (IOException e) when (IsDiskFull(e))
            {
                // Back to before the record, so its pages are free again; the caller keeps the batch and tries later.
                _active.SetLength(offset);
                _active.Position = offset;
                // Every batch of the live segment may be acknowledged (up to 16 MiB, see AGENT.md): deleting it frees them.
                DeleteActiveIfDone();
                throw;
            }

            _activeLastSequence = batch.Sequence;
            _nextSequence = batch.Sequence + 1;
            var entry = new SpoolEntry(batch.Sequence, _active.Name, offset, record.Length, batch.EventCount);
            _pending.Enqueue(entry);
            _bytes += record.Length;
            Volatile.Write(ref _segmentsOnDisk, _segmentsOnDisk + record.Length);
            return entry;
        }
    }

    /// <summary>True when <paramref name="e"/> says the disk (or quota) is full: a wait, not a failure.</summary>
    public static bool IsDiskFull(IOException e) => e.HResult is NoSpace or QuotaExceeded;

    /// <summary>The oldest batch not yet acknowledged.</summary>
    public bool TryPeek(out SpoolEntry entry)
    {
        lock (_gate)
        {
            return _pending.TryPeek(out entry!);
        }
    }

    /// <summary>Reads a batch back; null when its bytes changed on disk since they were written (<paramref name="problem"/> says how).</summary>
    public static SpooledBatch? Read(SpoolEntry entry, out string? problem)
    {
        var record = new byte[entry.Length];
        using (var handle = File.OpenHandle(entry.Segment, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            var read = 0;
            while (read < record.Length)
            {
                var n = RandomAccess.Read(handle, record.AsSpan(read), entry.Offset + read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            if (read < record.Length)
            {
                problem = $"the segment ends {record.Length - read} bytes into the batch";
                return null;
            }
        }

        return SpoolRecordCodec.TryMeasure(record, out _, out problem) ? SpoolRecordCodec.Decode(record) : null;
    }

    /// <summary>Whether part <paramref name="place"/> of batch <paramref name="sequence"/> was split, in this run or before a restart (<see cref="SpoolSplits"/>).</summary>
    public bool WasSplit(long sequence, ulong place)
    {
        lock (_gate)
        {
            return _splits.Contains(sequence, place);
        }
    }

    /// <summary>Records durably that part <paramref name="place"/> of <paramref name="batch"/> is split: call it before sending any half.</summary>
    /// <returns>Null when recorded; else why not: its record is at <see cref="SpoolSplits.RoomBytes"/>.</returns>
    /// <exception cref="IOException">Not recorded (<see cref="IsDiskFull"/> when the disk is full).</exception>
    public string? MarkSplit(SpooledBatch batch, ulong place)
    {
        lock (_gate)
        {
            return _splits.Add(batch, place);
        }
    }

    /// <summary>
    /// Deletes the live segment when every batch in it is done, so the bytes of acknowledged batches, counted in
    /// <see cref="DiskBytes"/> until their segment goes, are free; true when it did. The client asks only when the spool
    /// looks full: the next append makes a new segment, which costs a directory fsync.
    /// </summary>
    public bool ReleaseAcknowledged()
    {
        lock (_gate)
        {
            return DeleteActiveIfDone();
        }
    }

    /// <summary>The oldest batch is done (acknowledged, or refused for good): the head moves past it, durably.</summary>
    public void Remove(SpoolEntry entry, byte[] checkpoints)
    {
        lock (_gate)
        {
            if (!_pending.TryPeek(out var oldest) || oldest.Sequence != entry.Sequence)
            {
                throw new InvalidOperationException($"Batch {entry.Sequence} removed out of order.");
            }

            WriteHead(entry.Sequence + 1, checkpoints);
            _pending.Dequeue();
            _bytes -= entry.Length;
            for (var i = _closedSegments.Count - 1; i >= 0; i--)
            {
                if (_closedSegments[i].LastSequence <= entry.Sequence)
                {
                    File.Delete(_closedSegments[i].Path);
                    Volatile.Write(ref _segmentsOnDisk, _segmentsOnDisk - _closedSegments[i].Length);
                    _closedSegments.RemoveAt(i);
                }
            }

            _splits.Remove(entry.Sequence);
            Replenish();
        }
    }

    /// <summary>True when the reserve is there, made again now if it was used; under <see cref="_gate"/>.</summary>
    private bool Replenish()
    {
        if (_reserved)
        {
            return true;
        }

        // With the default 16 MiB segments a small disk holds only the live one, and nothing else would free room.
        DeleteActiveIfDone();
        _reserved = TryCreateReserve();
        return _reserved;
    }

    /// <summary>Deletes the live segment when the head is past all its batches (true then); the next append rolls a new one.</summary>
    private bool DeleteActiveIfDone()
    {
        if (_active is null || _pending.Any(p => p.Segment == _active.Name))
        {
            return false;
        }

        var done = _active.Name;
        var length = _active.Length;
        _active.Dispose();
        _active = null;
        File.Delete(done);
        Volatile.Write(ref _segmentsOnDisk, _segmentsOnDisk - length);
        return true;
    }

    private bool TryCreateReserve()
    {
        var path = Path.Combine(_directory, ReserveFile);
        try
        {
            if (File.Exists(path) && new FileInfo(path).Length == ReserveBytes)
            {
                return true;
            }

            // Written, not only sized: a length set alone makes a sparse file that holds no pages.
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(new byte[ReserveBytes]);
                file.Flush(flushToDisk: true);
            }

            return true;
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            File.Delete(path);
            return false;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _active?.Dispose();
            _active = null;
        }

        _lock.Dispose();
    }

    private void RollSegment(long firstSequence)
    {
        if (_active is not null)
        {
            _closedSegments.Add((_active.Name, _activeLastSequence, _active.Length));
            _active.Dispose();
            // None until the next is open: a file system out of inodes refuses the create (ENOSPC, the disk-full wait),
            // and the next append tries again instead of writing to the closed one.
            _active = null;
        }

        var path = Path.Combine(_directory, firstSequence.ToString("D20", CultureInfo.InvariantCulture) + SegmentExtension);
        // Unbuffered: a record is written whole by one call and fsync'd, and a write refused for lack of space leaves
        // nothing buffered to be flushed again. Create, not CreateNew: a try whose directory sync failed left the file,
        // empty, under this batch's sequence, which no other segment has.
        _active = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
        DirectorySync.Flush(_directory);
    }

    private void WriteHead(long next, byte[] checkpoints)
    {
        var bytes = new byte[8 + 4 + checkpoints.Length + 8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, next);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), checkpoints.Length);
        checkpoints.CopyTo(bytes.AsSpan(12));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(12 + checkpoints.Length), XxHash3.HashToUInt64(bytes.AsSpan(0, 12 + checkpoints.Length)));
        try
        {
            ReplaceHead(bytes);
        }
        catch (IOException e) when (IsDiskFull(e) && _reserved)
        {
            // The disk is full (maybe of this spool's own segments): the reserve's pages make room for the head, and
            // acknowledged segments can then be deleted. Appends wait until it is made again (Replenish).
            File.Delete(Path.Combine(_directory, ReserveFile));
            _reserved = false;
            ReplaceHead(bytes);
        }
    }

    private void ReplaceHead(byte[] bytes) => Replace(Path.Combine(_directory, HeadFile), file => file.Write(bytes));

    /// <summary>Writes <paramref name="path"/> whole or not at all: a temporary file, fsync'd, renamed over it, the directory fsync'd.</summary>
    private void Replace(string path, Action<FileStream> write)
    {
        var temporary = path + ".tmp";
        try
        {
            using var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None);
            write(file);
            file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // A full disk: the old file stands (for the head: the batch is sent again if the process ends before a retry succeeds).
            File.Delete(temporary);
            throw;
        }

        File.Move(temporary, path, overwrite: true);
        DirectorySync.Flush(_directory);
    }

    private (long Next, byte[] Checkpoints, SpoolDamage? Damage) ReadHead()
    {
        var path = Path.Combine(_directory, HeadFile);
        if (!File.Exists(path))
        {
            return (0, [], null);
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 20)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
            if (length >= 0 && length == bytes.Length - 20
                && XxHash3.HashToUInt64(bytes.AsSpan(0, 12 + length)) == BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(12 + length)))
            {
                return (BinaryPrimitives.ReadInt64LittleEndian(bytes), bytes.AsSpan(12, length).ToArray(), null);
            }
        }

        // The head is replaced by rename, so a crash never leaves it torn; a bad one is a damaged disk. Every
        // intact batch is then sent again: the gateway answers a repeat within its idempotency window without storing it.
        return (0, [], new SpoolDamage(path, 0, bytes.Length, "a head file whose checksum does not match its bytes; every intact batch is sent again"));
    }

    private void Recover()
    {
        var (head, headCheckpoints, headDamage) = ReadHead();
        var damage = new List<SpoolDamage>();
        if (headDamage is not null)
        {
            damage.Add(headDamage);
        }

        // Left by a crash during a Replace: the file it was to replace stands.
        foreach (var temporary in Directory.EnumerateFiles(_directory, "*.tmp"))
        {
            File.Delete(temporary);
        }

        var newest = (Sequence: head - 1, Checkpoints: headCheckpoints);
        var next = head;
        var events = 0;
        var keys = new Dictionary<long, Guid>();
        var segments = Directory.EnumerateFiles(_directory, "*" + SegmentExtension).Order(StringComparer.Ordinal).ToList();
        for (var s = 0; s < segments.Count; s++)
        {
            var path = segments[s];
            var bytes = File.ReadAllBytes(path);
            var intact = new List<(int Offset, int Length, SpooledBatch Batch)>();
            var cut = new List<(int Offset, int Length, string? SavedTo)>();
            var lost = new List<SpoolDamage>();
            foreach (var (offset, length, problem) in SpoolRecordCodec.Scan(bytes, FirstSequenceOf(path), out _))
            {
                if (problem is null)
                {
                    intact.Add((offset, length, SpoolRecordCodec.Decode(bytes.AsSpan(offset, length))));
                    continue;
                }

                // Batches are appended in sequence order, so the lost ones lie between the intact neighbours (or the
                // segment's first sequence, its name, and the next segment's).
                var first = intact.Count > 0 ? intact[^1].Batch.Sequence + 1 : FirstSequenceOf(path);
                var tornTail = offset + length == bytes.Length && s == segments.Count - 1;
                var last = offset + length < bytes.Length ? SpoolRecordCodec.Decode(bytes.AsSpan(offset + length)).Sequence - 1
                    : s + 1 < segments.Count ? FirstSequenceOf(segments[s + 1]) - 1 : (long?)null;
                var savedTo = tornTail ? null : path + "." + offset.ToString(CultureInfo.InvariantCulture) + DamagedExtension;
                cut.Add((offset, length, savedTo));
                if (last < head || last < first)
                {
                    // Nothing unacknowledged is lost: batches acknowledged before their bytes changed, or stray bytes
                    // between two consecutive batches. Still taken out, so later starts do not scan them again.
                    continue;
                }

                lost.Add(new SpoolDamage(path, offset, length, tornTail ? problem : Lost(problem, first, last, bytes.AsSpan(offset, length), savedTo!))
                {
                    FirstSequence = first,
                    LastSequence = last,
                    SavedTo = savedTo,
                });
            }

            var live = intact.Any(r => r.Batch.Sequence >= head);
            var refused = cut.Count == 0 ? null : TryMoveAside(path, bytes, intact, cut, live);
            damage.AddRange(lost.Select(d => refused is null ? d : d with { Reason = $"{d.Reason}; left in place and reported again at the next start, as moving it failed: {refused}", SavedTo = null }));
            var at = 0;
            foreach (var (offset, length, batch) in intact)
            {
                if (batch.Sequence >= head)
                {
                    // Where the record now lies: moved up by the damaged bytes taken out before it, unless they stayed.
                    _pending.Enqueue(new SpoolEntry(batch.Sequence, path, refused is null ? at : offset, length, batch.EventCount));
                    _bytes += length;
                    events += batch.EventCount;
                    keys[batch.Sequence] = batch.IdempotencyKey;
                }

                if (batch.Sequence > newest.Sequence)
                {
                    newest = (batch.Sequence, batch.Checkpoints);
                }

                next = Math.Max(next, batch.Sequence + 1);
                at += length;
            }

            if (live)
            {
                // Its length now: without the damaged bytes moved aside, with them when the move failed.
                var length = new FileInfo(path).Length;
                _closedSegments.Add((path, intact[^1].Batch.Sequence, length));
                _segmentsOnDisk += length;
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }

        KeepDamagedWithin(damage);
        _splits.Load(keys);
        _nextSequence = next;
        // From the newest intact batch, also past a damaged one: sources re-read only a torn tail's events (never
        // sent). Resuming before a damaged batch would read again the intact batches after it, which are sent: doubles.
        Checkpoints = CheckpointCodec.Decode(newest.Checkpoints);
        Recovery = new SpoolRecovery(_pending.Count, events, _bytes, damage);
    }

    /// <summary>
    /// Counts the <c>.damaged</c> files again; true when they hold fewer bytes than <see cref="DamagedBytes"/> said (an
    /// operator removed some). The client asks only when the spool looks full, so the directory is listed only then.
    /// </summary>
    public bool RecountDamaged()
    {
        if (DamagedBytes == 0)
        {
            return false;
        }

        var files = ListDamaged();
        Volatile.Write(ref _damagedFiles, files.Count);
        var now = files.Sum(static f => f.Length);
        return now < Interlocked.Exchange(ref _damagedBytes, now);
    }

    /// <summary>
    /// Deletes the oldest <c>.damaged</c> files (by write time, then name: a segment's sequence) until they hold at most
    /// <see cref="_maxDamagedBytes"/>, and counts what stays. Their events are lost and were reported when found; the files
    /// are for inspection only. Kept without a bound, damage found at every start could fill the disk past MaxSpoolBytes; kept
    /// within it but never deleted, they would leave no room for a call and stop the sources for good until an operator
    /// came. A <paramref name="damage"/> found now whose file is deleted at once (its record alone is over the bound)
    /// says so instead of naming it.
    /// </summary>
    private void KeepDamagedWithin(List<SpoolDamage> damage)
    {
        var files = ListDamaged();
        var total = files.Sum(static f => f.Length);
        var deleted = new List<(string Path, long Bytes)>();
        foreach (var (file, length) in files.OrderBy(static f => f.File.LastWriteTimeUtc).ThenBy(static f => f.File.Name, StringComparer.Ordinal))
        {
            if (total <= _maxDamagedBytes)
            {
                break;
            }

            file.Delete();
            total -= length;
            deleted.Add((file.FullName, length));
        }

        for (var i = 0; i < damage.Count; i++)
        {
            if (damage[i].SavedTo is { } savedTo && !File.Exists(savedTo))
            {
                damage[i] = damage[i] with
                {
                    SavedTo = null,
                    Reason = string.Create(CultureInfo.InvariantCulture, $"{damage[i].Reason}; then deleted, as .damaged files are kept to {_maxDamagedBytes} bytes"),
                };
            }
        }

        _damagedBytes = total;
        _damagedFiles = files.Count - deleted.Count;
        DamagedDeleted = deleted;
    }

    /// <summary>The <c>.damaged</c> files now, with their lengths; one an operator removes meanwhile is left out.</summary>
    private List<(FileInfo File, long Length)> ListDamaged()
    {
        var files = new List<(FileInfo File, long Length)>();
        foreach (var file in new DirectoryInfo(_directory).EnumerateFiles("*" + DamagedExtension))
        {
            try
            {
                files.Add((file, file.Length));
            }
            catch (FileNotFoundException)
            {
            }
        }

        return files;
    }

    /// <summary>
    /// Saves each damaged range to its <see cref="SpoolDamage.SavedTo"/> file and rewrites the segment with the intact
    /// records only (a torn tail is cut off in place, as no bytes move), so the next start finds nothing to report.
    /// Null when done; else why not, and the segment stays as it was, the intact records at their old offsets (a full
    /// disk, which a rewrite of up to a 16 MiB segment may meet, must not keep the spool from opening).
    /// </summary>
    private string? TryMoveAside(string path, byte[] bytes, List<(int Offset, int Length, SpooledBatch Batch)> intact, List<(int Offset, int Length, string? SavedTo)> cut, bool live)
    {
        try
        {
            foreach (var (offset, length, savedTo) in cut.Where(static c => c.SavedTo is not null))
            {
                Replace(savedTo!, file => file.Write(bytes, offset, length));
            }

            if (!live)
            {
                File.Delete(path);
            }
            else if (cut is [{ SavedTo: null } tail])
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
                file.SetLength(tail.Offset);
                file.Flush(flushToDisk: true);
            }
            else
            {
                Replace(path, file =>
                {
                    foreach (var (offset, length, _) in intact)
                    {
                        file.Write(bytes, offset, length);
                    }
                });
            }

            return null;
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    /// <summary>The reason of a damaged range that is not a torn tail: what was lost, that it is not read again, and where its bytes went.</summary>
    private static string Lost(string problem, long first, long? last, ReadOnlySpan<byte> damaged, string savedTo)
    {
        var batches = last == first ? $"batch {first}" : last is { } l ? $"batches {first} to {l}" : $"batches from {first}";
        var count = SpoolRecordCodec.TryReadUnverified(damaged, out var sequence, out var eventCount) && sequence == first && last == first
            ? string.Create(CultureInfo.InvariantCulture, $" ({eventCount} events by its unverified header)")
            : "";
        return $"{problem}: {batches}{count} lost; the intact batches after it are kept and sent, and sources resume after the newest, so these events are not read again; its bytes are saved in {savedTo}";
    }

    private static long FirstSequenceOf(string segment) =>
        long.TryParse(Path.GetFileNameWithoutExtension(segment), NumberStyles.None, CultureInfo.InvariantCulture, out var first) ? first : 0;
}
