using System.Net.Http.Headers;
using System.Text.Json;
using Orleans.EventPipeline.Audit;
using Orleans.EventPipeline.FaultHarness.Load;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.FaultHarness.Audit;

/// <summary>
/// Reads each tenant's archive with the pipeline's own reader (<see cref="ArchiveReadback{T}"/> over the Blob
/// store) and its dead letters through the admin API, and compares both with the <see cref="AckLedger"/>.
/// </summary>
internal sealed class ArchiveAuditor(IArchiveStore store, HttpClient admin, Uri silo, string adminKey, AckLedger ledger, DateTimeOffset runStart, TimeProvider time)
{
    // What the audit needs of an event: its id, and the tenant its sender wrote into it.
    private readonly ArchiveReadback<(string Id, string? Sender)> _archive = new(
        store,
        static normalized => (normalized.EventId, normalized.Attributes.TryGetValue("tenant", out var sender) ? sender.Text : null),
        runStart,
        time);

    /// <summary>Polls until every acknowledged event is archived or dead-lettered, or the deadline passes.</summary>
    public async Task<bool> WaitUntilCompleteAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var missing = 0L;
            foreach (var tenant in ledger.Tenants)
            {
                var ids = new HashSet<string>(StringComparer.Ordinal);
                foreach (var archived in await _archive.ReadAsync(tenant, again: false, cancellationToken))
                {
                    ids.UnionWith(archived.Events.Select(static e => e.Id));
                }

                missing += Expected(tenant).Count(id => !ids.Contains(id));

                // Rejected lines reach the dead-letter grain through the dead-letter stream, after the 200.
                var (deadLetters, expectedDeadLetters) = await DeadLettersAsync(tenant, cancellationToken);
                missing += Math.Max(0, expectedDeadLetters - deadLetters);
            }

            if (missing == 0)
            {
                return true;
            }

            if (time.GetUtcNow() > deadline)
            {
                return false;
            }

            Console.WriteLine($"audit: {missing:N0} acknowledged events or rejected lines not archived or dead-lettered yet");
            await Task.Delay(TimeSpan.FromSeconds(2), time, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<TenantAudit>> AuditAsync(CancellationToken cancellationToken)
    {
        var audits = new List<TenantAudit>();
        foreach (var tenant in ledger.Tenants.Order(StringComparer.Ordinal))
        {
            var copies = new Dictionary<string, int>(StringComparer.Ordinal);
            var archived = 0L;
            var foreign = 0L;
            foreach (var (id, sender) in (await _archive.ReadAsync(tenant, again: true, cancellationToken)).SelectMany(static o => o.Events))
            {
                archived++;
                copies[id] = copies.GetValueOrDefault(id) + 1;
                if (sender != tenant)
                {
                    foreign++;
                }
            }

            var expected = Expected(tenant).ToHashSet(StringComparer.Ordinal);
            var lost = expected.Where(id => !copies.ContainsKey(id)).ToList();
            var (deadLetters, expectedDeadLetters) = await DeadLettersAsync(tenant, cancellationToken);
            audits.Add(new TenantAudit(
                tenant,
                expected.Count,
                archived,
                lost.Count,
                copies.Values.Sum(static n => (long)n - 1),
                foreign,
                copies.Keys.Count(id => !expected.Contains(id)),
                deadLetters,
                expectedDeadLetters,
                [.. lost.Take(5)]));
        }

        return audits;
    }

    // Accepted events are numbered among themselves: the n-th accepted one is {BatchId:N}:{n} (IngestResponse.FirstEventId).
    private IEnumerable<string> Expected(string tenant) => ledger.Batches(tenant).SelectMany(static batch =>
        Enumerable.Range(0, batch.Accepted).Select(i => RawEventBatch.FormatEventId(batch.BatchId, i)));

    private async Task<(long Total, long Expected)> DeadLettersAsync(string tenant, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(silo, $"/admin/v1/tenants/{tenant}/deadletters?recent=0"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var response = await admin.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var summary = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return (summary.RootElement.GetProperty("total").GetInt64(), ledger.Batches(tenant).Sum(static b => (long)b.Rejected));
    }
}
