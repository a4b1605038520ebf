namespace Orleans.EventPipeline.EventHubsEmulator.Log.Recovery;

/// <summary>Bytes [Start, End) of a segment that hold no valid record but are followed by valid ones.</summary>
internal readonly record struct DamagedRange(long Start, long End);
