using System.Collections.Concurrent;

namespace Orleans.EventPipeline.FaultHarness.Hostile;

/// <summary>Bad inputs tried against one endpoint, and how it answered them.</summary>
public sealed class EndpointTally(string endpoint)
{
    private readonly ConcurrentDictionary<string, long> _outcomes = new(StringComparer.Ordinal);
    private long _tried;

    public string Endpoint => endpoint;

    public long Tried => Interlocked.Read(ref _tried);

    /// <summary>Outcome ("400", "503", "closed", "refused") → count.</summary>
    public IReadOnlyDictionary<string, long> Outcomes => new SortedDictionary<string, long>(_outcomes, StringComparer.Ordinal);

    /// <summary>Answers a public edge must never give: 500 and the other 5xx but 503 (a retryable outage under the faults).</summary>
    public long ServerErrors => _outcomes.Where(static o => o.Key.Length == 3 && o.Key[0] == '5' && o.Key != "503").Sum(static o => o.Value);

    public void Count(string outcome)
    {
        Interlocked.Increment(ref _tried);
        _outcomes.AddOrUpdate(outcome, 1, static (_, n) => n + 1);
    }
}
