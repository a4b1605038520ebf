namespace Orleans.EventPipeline.FaultHarness.Audit;

/// <summary>One tenant's outcome, from its archive and dead letters against what its clients were acknowledged.</summary>
/// <param name="Acknowledged">Events the gateway accepted in a 200.</param>
/// <param name="Archived">Events read from the tenant's archive (every copy counted).</param>
/// <param name="Lost">Acknowledged events in neither the archive nor the dead letters.</param>
/// <param name="Duplicates">Copies beyond the first of any event id in the archive.</param>
/// <param name="Foreign">Archived events that another tenant sent (their body names that tenant).</param>
/// <param name="StoredWithoutAck">Archived once but never acknowledged: a batch whose answer was lost; allowed, never promised.</param>
/// <param name="DeadLetters">The tenant's dead-letter total.</param>
/// <param name="ExpectedDeadLetters">Lines the 200s reported rejected: each must be one dead letter.</param>
public sealed record TenantAudit(
    string Tenant,
    long Acknowledged,
    long Archived,
    long Lost,
    long Duplicates,
    long Foreign,
    long StoredWithoutAck,
    long DeadLetters,
    long ExpectedDeadLetters,
    IReadOnlyList<string> LostSample)
{
    public bool Holds => Lost == 0 && Duplicates == 0 && Foreign == 0 && DeadLetters == ExpectedDeadLetters;
}
