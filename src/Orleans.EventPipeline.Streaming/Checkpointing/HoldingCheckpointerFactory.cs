using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Checkpointing;

/// <summary>Wraps the configured checkpointer of every partition (grain storage locally, Azure Table in Azure) in a <see cref="HoldingCheckpointer"/>.</summary>
internal sealed class HoldingCheckpointerFactory(IStreamQueueCheckpointerFactory inner, CheckpointHolds holds) : IStreamQueueCheckpointerFactory
{
    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IStreamQueueCheckpointer<string>> Create(string partition) => Create(partition, CancellationToken.None);

    public async Task<IStreamQueueCheckpointer<string>> Create(string partition, CancellationToken cancellationToken) =>
        new HoldingCheckpointer(await inner.Create(partition, cancellationToken), partition, holds);
}
