using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// The bytes every archive buffer of this silo holds together, against <see cref="ArchiveOptions.MaxBufferedBytes"/>:
/// over it, a processor whose buffer is at least the average writes it early, and a processor whose store refuses
/// its buffer refuses new batches until it is written (<c>eventpipeline.archive.buffered_bytes</c>).
/// </summary>
public sealed class ArchiveBufferBudget : BufferBudget
{
    public ArchiveBufferBudget(IOptions<ArchiveOptions> options, IMeterFactory meters)
        : base(options.Value.MaxBufferedBytes) => ProcessingGrainInstruments.ObserveArchiveBufferedBytes(meters, this);
}
