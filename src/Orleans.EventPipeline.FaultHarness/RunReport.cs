using System.Globalization;
using System.Text;
using Orleans.EventPipeline.FaultHarness.Audit;
using Orleans.EventPipeline.FaultHarness.Faults;
using Orleans.EventPipeline.FaultHarness.Hostile;

namespace Orleans.EventPipeline.FaultHarness;

/// <summary>What a run did and found. <see cref="Passed"/> is false on any loss, duplicate, foreign event, miscounted dead letter, crash, 5xx other than 503, or fault not recovered from.</summary>
public sealed record RunReport(
    HarnessOptions Options,
    TimeSpan Elapsed,
    long SentEvents,
    IReadOnlyDictionary<int, long> Answers,
    long TransportFailures,
    int Unacknowledged,
    IReadOnlyList<TenantAudit> Tenants,
    bool Drained,
    IReadOnlyList<FaultRecord> Faults,
    IReadOnlyDictionary<string, int> UnexpectedExits,
    IReadOnlyList<EndpointTally> BadInput,
    string WorkDirectory)
{
    public long Lost => Tenants.Sum(static t => t.Lost);

    public long Duplicates => Tenants.Sum(static t => t.Duplicates);

    public TimeSpan? LongestRecovery => Faults.Count == 0 ? TimeSpan.Zero : Faults.Any(static f => f.Recovery is null) ? null : Faults.Max(static f => f.Recovery!.Value);

    public bool Passed =>
        Tenants.All(static t => t.Holds) && Drained && LongestRecovery is not null && UnexpectedExits.Values.All(static n => n == 0)
        && BadInput.All(static t => t.ServerErrors == 0) && !Answers.Keys.Any(static s => s >= 500 && s != 503);

    public override string ToString()
    {
        var text = new StringBuilder();
        void Line(string line) => text.AppendLine(line);
        Line(string.Create(CultureInfo.InvariantCulture, $"fault harness: seed {Options.Seed}, {Options.Duration.TotalSeconds:N0} s of load, {Options.Tenants} tenants x {Options.LanesPerTenant} lanes, batches of {Options.BatchSize}, {Options.EventsPerSecond:N0} events/s asked, {Options.Silos} silo(s), {Options.Partitions} partitions, shards {(Options.Shards is { } shards ? shards.ToString(CultureInfo.InvariantCulture) : "default")}, order stage {(Options.Ordering ? "on" : "off")}; took {Elapsed.TotalSeconds:N0} s"));
        Line(string.Create(CultureInfo.InvariantCulture, $"sent {SentEvents:N0} events in batches; answers {string.Join(", ", Answers.Select(static a => $"{a.Key}: {a.Value:N0}"))}; transport failures {TransportFailures:N0}; batches never acknowledged {Unacknowledged}"));
        Line("tenant      acked     archived  lost  duplicates  foreign  stored-without-ack  dead-letters (expected)");
        foreach (var t in Tenants)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"{t.Tenant,-10} {t.Acknowledged,9:N0} {t.Archived,12:N0} {t.Lost,5:N0} {t.Duplicates,11:N0} {t.Foreign,8:N0} {t.StoredWithoutAck,19:N0} {t.DeadLetters,13:N0} ({t.ExpectedDeadLetters:N0})"));
            if (t.LostSample.Count > 0)
            {
                Line($"  lost, for example: {string.Join(", ", t.LostSample)}");
            }
        }

        Line(string.Create(CultureInfo.InvariantCulture, $"total: acked {Tenants.Sum(static t => t.Acknowledged):N0}, archived {Tenants.Sum(static t => t.Archived):N0}, dead-lettered {Tenants.Sum(static t => t.DeadLetters):N0}, duplicates {Duplicates:N0}, lost {Lost:N0}{(Drained ? "" : " (the archive did not catch up in time)")}"));
        Line(string.Create(CultureInfo.InvariantCulture, $"faults injected: {Faults.Count} ({string.Join(", ", Faults.GroupBy(static f => f.Kind).Select(static g => $"{g.Key} {g.Count()}"))}); longest recovery {(LongestRecovery is { } r ? $"{r.TotalSeconds:N1} s" : "none: a fault was not recovered from")}"));
        Line($"unexpected exits: {string.Join(", ", UnexpectedExits.Select(static e => $"{e.Key} {e.Value}"))}");
        foreach (var tally in BadInput)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"bad input, {tally.Endpoint}: {tally.Tried:N0} tried; {string.Join(", ", tally.Outcomes.Select(static o => $"{o.Key}: {o.Value:N0}"))}"));
        }

        Line($"logs and data: {WorkDirectory}");
        Line(Passed ? "PASSED: every acknowledged event archived exactly once, in its own tenant" : "FAILED");
        return text.ToString();
    }
}
