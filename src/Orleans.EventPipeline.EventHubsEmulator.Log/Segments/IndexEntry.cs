namespace Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

/// <summary>One sparse index point: a record's sequence number, offset and enqueued time (Unix ms).</summary>
internal readonly record struct IndexEntry(long SequenceNumber, long Offset, long EnqueuedTimeMs);
