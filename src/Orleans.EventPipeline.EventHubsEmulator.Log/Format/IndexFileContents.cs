using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Format;

/// <summary>What a valid sealed-segment index file holds.</summary>
internal readonly record struct IndexFileContents(IReadOnlyList<IndexEntry> Entries, long LastSequenceNumber, long LastOffset, long LastEnqueuedTimeMs);
