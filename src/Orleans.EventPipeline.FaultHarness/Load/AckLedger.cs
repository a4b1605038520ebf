using System.Collections.Concurrent;

namespace Orleans.EventPipeline.FaultHarness.Load;

/// <summary>
/// What the clients were promised: per tenant, each acknowledged batch's id and how many of its events
/// were accepted and rejected. A batch answered twice (a retry replayed by its Idempotency-Key) is kept once.
/// </summary>
public sealed class AckLedger
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, AckedBatch>> _tenants = new(StringComparer.Ordinal);

    public void Record(string tenant, AckedBatch batch)
    {
        var batches = _tenants.GetOrAdd(tenant, static _ => new ConcurrentDictionary<Guid, AckedBatch>());
        if (!batches.TryAdd(batch.BatchId, batch) && batches[batch.BatchId] != batch)
        {
            throw new InvalidOperationException($"Tenant {tenant}: batch {batch.BatchId:N} was acknowledged twice with different answers ({batches[batch.BatchId]} and {batch}).");
        }
    }

    public IReadOnlyCollection<string> Tenants => [.. _tenants.Keys];

    public IReadOnlyCollection<AckedBatch> Batches(string tenant) =>
        _tenants.TryGetValue(tenant, out var batches) ? [.. batches.Values] : [];

    public long AcceptedEvents => _tenants.Values.Sum(static t => t.Values.Sum(static b => (long)b.Accepted));

    public long RejectedEvents => _tenants.Values.Sum(static t => t.Values.Sum(static b => (long)b.Rejected));
}

/// <summary>One acknowledged batch: its n-th accepted event has the id <c>{BatchId:N}:{n}</c>; each rejected line is one dead letter.</summary>
public sealed record AckedBatch(Guid BatchId, int Accepted, int Rejected);
