using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Silo.Gateway.Memory;

/// <summary>
/// The process-wide count of bytes that ingest requests hold in buffers (body and frames), held under
/// <see cref="GatewayOptions.MaxInFlightBytes"/>. Each request charges it through its
/// <see cref="RequestMemoryLease"/>; a charge that does not fit is refused and the request answered 503.
/// </summary>
public sealed class InFlightMemoryBudget(IOptions<GatewayOptions> options)
{
    private readonly long _budget = options.Value.MaxInFlightBytes;
    private long _held;
    private long _peak;

    /// <summary>Raised when the last bytes held are given back: no request holds memory any more.</summary>
    public event Action? Idle;

    public long BudgetBytes => _budget;

    public long HeldBytes => Interlocked.Read(ref _held);

    /// <summary>Largest <see cref="HeldBytes"/> since the last <see cref="TakePeak"/>.</summary>
    public long TakePeak() => Interlocked.Exchange(ref _peak, 0);

    /// <summary>
    /// Charges <paramref name="bytes"/> for a request already holding <paramref name="ownBytes"/>; false, and nothing
    /// charged, when the total would pass the budget. A request alone is never refused: its own limits bound
    /// it, and refusing the only request would refuse it on every retry.
    /// </summary>
    public bool TryCharge(long bytes, long ownBytes)
    {
        while (true)
        {
            var held = Interlocked.Read(ref _held);
            var after = held + bytes;
            if (after > _budget && held > ownBytes)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _held, after, held) == held)
            {
                RaisePeak(after);
                return true;
            }
        }
    }

    /// <summary>
    /// The 503 for a request that does not fit. Retry after 1 s: requests in flight leave within about one
    /// durable write (tens of milliseconds on a local disk), so room comes back quickly unless the silo is
    /// saturated, and then a client retrying once a second is what it can take.
    /// </summary>
    public IngestProblemException Exhausted() => new(
        StatusCodes.Status503ServiceUnavailable,
        "memory_budget_exceeded",
        $"Requests in flight hold {HeldBytes} bytes, and this one does not fit the budget of {_budget} bytes ({GatewayOptions.SectionName}:{nameof(GatewayOptions.MaxInFlightBytes)}); nothing was stored. Retry later.",
        TimeSpan.FromSeconds(1));

    public void Release(long bytes)
    {
        if (Interlocked.Add(ref _held, -bytes) == 0)
        {
            Idle?.Invoke();
        }
    }

    private void RaisePeak(long held)
    {
        var peak = Interlocked.Read(ref _peak);
        while (held > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peak, held, peak);
            if (seen == peak)
            {
                return;
            }

            peak = seen;
        }
    }
}
