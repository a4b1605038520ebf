namespace Orleans.EventPipeline.Processing.Ordering;

/// <summary>
/// Serialized events of one batch in one array, as a <see cref="ReorderBuffer"/> holds them: one allocation per
/// <see cref="ReorderBuffer.SlabBytes"/> of a batch instead of one per event. The array lives until the last of its
/// events is released.
/// </summary>
internal sealed class HeldSlab(byte[] bytes)
{
    public byte[] Bytes { get; } = bytes;

    /// <summary>Its events still in the buffer.</summary>
    public int Held { get; set; }
}
