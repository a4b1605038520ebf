using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// The bytes every order stage's reorder buffer of this silo holds together, against
/// <see cref="ProcessingGrainOptions.MaxReorderBytes"/>: over it, an order stage whose buffer is at least the
/// average releases its oldest events early, down to its share.
/// </summary>
public sealed class ReorderBufferBudget(IOptions<ProcessingGrainOptions> options) : BufferBudget(options.Value.MaxReorderBytes);
