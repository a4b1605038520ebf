using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Recovery;

/// <summary>What a recovery scan of one segment found.</summary>
internal sealed class SegmentScanResult
{
    public List<IndexEntry> Entries { get; } = [];

    public List<DamagedRange> DamagedRanges { get; } = [];

    public long LastSequenceNumber { get; set; }

    public long LastOffset { get; set; } = -1;

    public long LastEnqueuedTimeMs { get; set; }

    /// <summary>Bytes up to the end of the last valid record; anything after it is a torn tail.</summary>
    public long ValidLength { get; set; }

    public long FileLength { get; set; }
}
