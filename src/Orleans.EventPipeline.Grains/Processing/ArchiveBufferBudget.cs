using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// The bytes every archive buffer of this silo holds together, against <see cref="ArchiveOptions.MaxBufferedBytes"/>:
/// over it, a processor whose buffer is at least the average writes it early.
/// </summary>
public sealed class ArchiveBufferBudget(IOptions<ArchiveOptions> options) : BufferBudget(options.Value.MaxBufferedBytes);
