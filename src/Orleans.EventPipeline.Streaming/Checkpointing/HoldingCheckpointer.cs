using System.Globalization;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Checkpointing;

/// <summary>
/// A partition's checkpointer that passes an offset on only while it is below every hold on the
/// partition (<see cref="CheckpointHolds"/>). Orleans offers offsets in increasing order, so the stored
/// checkpoint stays at the last one below the lowest hold, and moves on once the hold is released.
/// </summary>
internal sealed class HoldingCheckpointer(IStreamQueueCheckpointer<string> inner, string partition, CheckpointHolds holds) : IStreamQueueCheckpointer<string>
{
    public bool CheckpointExists => inner.CheckpointExists;

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<string> Load() => inner.Load(CancellationToken.None);

    public Task<string> Load(CancellationToken cancellationToken) => inner.Load(cancellationToken);

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public void Update(string offset, DateTime utcNow) => Update(offset, utcNow, CancellationToken.None);

    public void Update(string offset, DateTime utcNow, CancellationToken cancellationToken)
    {
        if (holds.LowestHeld(partition) is { } held
            && (!long.TryParse(offset, NumberStyles.Integer, CultureInfo.InvariantCulture, out var position) || position >= held))
        {
            return;
        }

        inner.Update(offset, utcNow, cancellationToken);
    }

    public Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}
