namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Whether a stream went quiet for a whole tick of the processor's timer, not merely empty at the tick. A tick that
/// comes due while a batch is handled runs right after it: when that batch cut an object for its size, the buffer is
/// empty then although the next batch is already on its way, and a busy stream would give back its object-sized
/// buffer only to grow it again by doubling.
/// </summary>
internal struct QuietTicks
{
    private bool _delivered;

    /// <summary>A batch reached the processor.</summary>
    public void Delivered() => _delivered = true;

    /// <summary>True when no batch came since the previous tick (or since the start); starts the next tick's count.</summary>
    public bool Tick()
    {
        var quiet = !_delivered;
        _delivered = false;
        return quiet;
    }
}
