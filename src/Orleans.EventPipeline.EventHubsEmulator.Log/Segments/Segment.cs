using Orleans.EventPipeline.EventHubsEmulator.Log.Format;
using Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

/// <summary>
/// One segment file with its sparse index and committed extent. Only the commit writer advances
/// it; readers read <see cref="Length"/> first and never look past it, so they never see bytes
/// that are written but not yet fsync'd.
/// </summary>
internal sealed class Segment : IDisposable
{
    private long _length;
    private long _lastSequenceNumber;
    private long _lastOffset;
    private long _lastEnqueuedTimeMs;

    public Segment(ISegmentFile file, long baseSequenceNumber, long baseOffset, SegmentIndex index)
    {
        File = file;
        BaseSequenceNumber = baseSequenceNumber;
        BaseOffset = baseOffset;
        Index = index;
        _lastSequenceNumber = baseSequenceNumber - 1;
        _lastOffset = -1;
    }

    public ISegmentFile File { get; }

    public string Path => File.Path;

    public string IndexPath => SegmentFileName.IndexPathFor(File.Path);

    public long BaseSequenceNumber { get; }

    public long BaseOffset { get; }

    public SegmentIndex Index { get; }

    /// <summary>Committed bytes: readers stop here.</summary>
    public long Length => Volatile.Read(ref _length);

    public long LastSequenceNumber => Volatile.Read(ref _lastSequenceNumber);

    public long LastOffset => Volatile.Read(ref _lastOffset);

    public long LastEnqueuedTimeMs => Volatile.Read(ref _lastEnqueuedTimeMs);

    public bool IsEmpty => LastSequenceNumber < BaseSequenceNumber;

    /// <summary>Publishes a committed extent; the length goes last because readers key on it.</summary>
    public void Advance(long lastSequenceNumber, long lastOffset, long lastEnqueuedTimeMs, long length)
    {
        Volatile.Write(ref _lastSequenceNumber, lastSequenceNumber);
        Volatile.Write(ref _lastOffset, lastOffset);
        Volatile.Write(ref _lastEnqueuedTimeMs, lastEnqueuedTimeMs);
        Volatile.Write(ref _length, length);
    }

    public void Dispose() => File.Dispose();
}
