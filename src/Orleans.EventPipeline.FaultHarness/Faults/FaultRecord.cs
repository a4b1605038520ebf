namespace Orleans.EventPipeline.FaultHarness.Faults;

/// <summary>One injected fault: what, on which process, how long it lasted, and how long until every tenant was acknowledged again.</summary>
/// <param name="Recovery">From the end of the fault until every tenant had an ACK again; null when that did not happen in time.</param>
public sealed record FaultRecord(FaultKind Kind, string Target, TimeSpan At, TimeSpan Duration, TimeSpan? Recovery);
