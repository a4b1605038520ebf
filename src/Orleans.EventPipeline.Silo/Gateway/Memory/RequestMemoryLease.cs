namespace Orleans.EventPipeline.Silo.Gateway.Memory;

/// <summary>
/// One request's share of the <see cref="InFlightMemoryBudget"/>: reserved before the body is read, grown
/// when its buffers outgrow the reservation, and given back whole when the request ends. Buffers returned
/// early (the body after framing) stay counted until then: the request is still in flight.
/// </summary>
public sealed class RequestMemoryLease(InFlightMemoryBudget budget) : IDisposable
{
    private long _reserved;
    private long _used;

    /// <summary>Bytes this request has charged to the budget.</summary>
    public long ReservedBytes => _reserved;

    /// <summary>Takes <paramref name="bytes"/> for a buffer; false when the budget has no room for them.</summary>
    public bool TryUse(long bytes)
    {
        var missing = _used + bytes - _reserved;
        if (missing > 0)
        {
            if (!TryReserve(missing))
            {
                return false;
            }
        }

        _used += bytes;
        return true;
    }

    /// <summary>A buffer of <paramref name="bytes"/> was given back; its share stays reserved for this request.</summary>
    public void Return(long bytes) => _used -= bytes;

    /// <summary>Charges <paramref name="bytes"/> more to the budget for buffers this request is about to take.</summary>
    public bool TryReserve(long bytes)
    {
        if (!budget.TryCharge(bytes, _reserved))
        {
            return false;
        }

        _reserved += bytes;
        return true;
    }

    /// <summary>The 503 for a request the budget has no room for.</summary>
    public IngestProblemException Exhausted() => budget.Exhausted();

    public void Dispose()
    {
        var reserved = _reserved;
        _reserved = 0;
        _used = 0;
        if (reserved > 0)
        {
            budget.Release(reserved);
        }
    }
}
