using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using Orleans.EventPipeline.IO;

namespace Orleans.EventPipeline.Client.Spool;

/// <summary>
/// Which parts of spooled batches were split after a 413, each in <c>{sequence:D20}.split</c> beside the segments, so a
/// batch once split is sent after a restart as the same parts, never whole: with the gateway's body limit raised
/// meanwhile the whole batch would be taken, under a key the gateway never stored, and the parts it already stored
/// stored again. A part is named by its place in the halving (the batch 1, the halves of place p 2p and 2p + 1); halves
/// are by count, so a place names the same events, and the same derived key, on every run.
/// </summary>
/// <remarks>
/// An entry is <c>u64 place | u64 XxHash3 of the batch's key and the place</c>, appended and fsync'd before the first half
/// is sent. A torn or changed entry, or one of another batch, checks out as nothing; a split part's parents were split
/// too, so they are taken from it. A part not recorded is sent whole, as before this record existed: never an event lost.
/// A record holds at most <see cref="RoomBytes"/>, the room MaxSpoolBytes keeps for it: only one batch, the one being
/// sent, is split at a time, and a record of a batch done before a crash is deleted at open before any is sent.
/// Not thread-safe: <see cref="DiskSpool"/> calls it under its lock.
/// </remarks>
internal sealed class SpoolSplits(string directory)
{
    private const string Extension = ".split";
    private const int EntryBytes = 16;

    /// <summary>
    /// 4,096 entries: every split a batch of 4,097 events can take, down to single events (a batch of n events has at
    /// most n - 1 parts to split); a larger batch more only where the gateway refuses parts over a hundred times smaller
    /// than it (only parts over its limit are split: at most batch / limit at each halving, of which a batch of 512 MiB of
    /// 2-byte events has 28). Kept inside MaxSpoolBytes whether used or not, so a spool at its bound still has it.
    /// </summary>
    public const int RoomBytes = 4096 * EntryBytes;

    private readonly Dictionary<long, HashSet<ulong>> _split = [];
    private readonly Dictionary<long, long> _lengths = [];

    private long _bytes;

    /// <summary>Bytes of the records on disk: one at most once <see cref="Load"/> deleted those of batches done. Read without the lock.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Reads the records of the batches in <paramref name="keys"/> (the ones to send, by sequence) and deletes the others' (batches done before a crash let their record go).</summary>
    public void Load(IReadOnlyDictionary<long, Guid> keys)
    {
        foreach (var path in Directory.EnumerateFiles(directory, "*" + Extension))
        {
            if (!long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                continue;
            }

            if (!keys.TryGetValue(sequence, out var key))
            {
                File.Delete(path);
                continue;
            }

            var bytes = File.ReadAllBytes(path);
            var places = new HashSet<ulong>();
            for (var at = 0; at + EntryBytes <= bytes.Length; at += EntryBytes)
            {
                var place = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
                if (place > 0 && BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at + 8)) == Check(key, place))
                {
                    for (var parent = place; parent > 0; parent >>= 1)
                    {
                        places.Add(parent);
                    }
                }
            }

            if (bytes.Length % EntryBytes != 0)
            {
                // A torn append: cut, so the next entry is appended at a whole entry's place and reads back.
                using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
                file.SetLength(bytes.Length - (bytes.Length % EntryBytes));
                file.Flush(flushToDisk: true);
            }

            _split[sequence] = places;
            _lengths[sequence] = bytes.Length - (bytes.Length % EntryBytes);
            Volatile.Write(ref _bytes, _bytes + _lengths[sequence]);
        }
    }

    /// <summary>Whether <paramref name="place"/> of batch <paramref name="sequence"/> was split, in this run or an earlier one.</summary>
    public bool Contains(long sequence, ulong place) => _split.TryGetValue(sequence, out var places) && places.Contains(place);

    /// <summary>Records that <paramref name="place"/> of <paramref name="batch"/> is split; durable when it returns null.</summary>
    /// <returns>Null when recorded; else why not: the record is at <see cref="RoomBytes"/>, and nothing was written.</returns>
    /// <exception cref="IOException">Not written (the disk may be full); nothing of the entry is left.</exception>
    public string? Add(SpooledBatch batch, ulong place)
    {
        var had = _lengths.GetValueOrDefault(batch.Sequence);
        if (had + EntryBytes > RoomBytes)
        {
            return string.Create(CultureInfo.InvariantCulture, $"its record holds {had / EntryBytes} split parts, the {RoomBytes} bytes MaxSpoolBytes keeps for it");
        }

        Span<byte> entry = stackalloc byte[EntryBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(entry, place);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], Check(batch.IdempotencyKey, place));
        // The directory is fsync'd after the file's first entry of this run (not one of a try that failed: its name may not be durable).
        var first = !_split.ContainsKey(batch.Sequence);
        long written;
        using (var file = new FileStream(FileOf(batch.Sequence), FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            // Entries start at multiples of EntryBytes: part of an entry whose write failed and whose cut failed too (the
            // disk gone bad under both) is written over, or every later entry would read misaligned, as not split.
            var length = file.Length - (file.Length % EntryBytes);
            file.Position = length;
            try
            {
                file.Write(entry);
                file.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                file.SetLength(length);
                throw;
            }

            written = length + EntryBytes;
        }

        if (first)
        {
            DirectorySync.Flush(directory);
        }

        if (!_split.TryGetValue(batch.Sequence, out var places))
        {
            _split[batch.Sequence] = places = [];
        }

        places.Add(place);
        _lengths[batch.Sequence] = written;
        Volatile.Write(ref _bytes, _bytes + written - had);
        return null;
    }

    /// <summary>Batch <paramref name="sequence"/> is done: its record goes (one left by a crash goes at the next <see cref="Load"/>).</summary>
    public void Remove(long sequence)
    {
        if (_split.Remove(sequence))
        {
            File.Delete(FileOf(sequence));
            _lengths.Remove(sequence, out var length);
            Volatile.Write(ref _bytes, _bytes - length);
        }
    }

    private string FileOf(long sequence) => Path.Combine(directory, sequence.ToString("D20", CultureInfo.InvariantCulture) + Extension);

    private static ulong Check(Guid key, ulong place)
    {
        Span<byte> bytes = stackalloc byte[24];
        key.TryWriteBytes(bytes);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[16..], place);
        return XxHash3.HashToUInt64(bytes);
    }
}
