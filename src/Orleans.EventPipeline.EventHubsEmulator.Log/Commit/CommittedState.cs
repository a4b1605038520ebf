namespace Orleans.EventPipeline.EventHubsEmulator.Log.Commit;

/// <summary>An immutable snapshot of what is fsync'd, published once per group commit.</summary>
internal sealed record CommittedState(long NextSequenceNumber, long LastOffset, long LastEnqueuedTimeMs)
{
    public long LastSequenceNumber => NextSequenceNumber - 1;
}
