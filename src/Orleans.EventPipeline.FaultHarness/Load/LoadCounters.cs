using System.Collections.Concurrent;

namespace Orleans.EventPipeline.FaultHarness.Load;

/// <summary>What the clients saw, counted across tenants; read while the run goes and at its end.</summary>
public sealed class LoadCounters
{
    private readonly ConcurrentDictionary<int, long> _answers = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastAck = new(StringComparer.Ordinal);
    private long _sentEvents;
    private long _transportFailures;

    public long SentEvents => Interlocked.Read(ref _sentEvents);

    public long TransportFailures => Interlocked.Read(ref _transportFailures);

    /// <summary>HTTP status → how many answers had it.</summary>
    public IReadOnlyDictionary<int, long> Answers => new SortedDictionary<int, long>(_answers);

    public void Sent(int events) => Interlocked.Add(ref _sentEvents, events);

    public void Answered(int status) => _answers.AddOrUpdate(status, 1, static (_, n) => n + 1);

    public void TransportFailed() => Interlocked.Increment(ref _transportFailures);

    public void Acknowledged(string tenant, DateTimeOffset at) => _lastAck[tenant] = at;

    /// <summary>Whether every tenant got an ACK after <paramref name="since"/>: the pipeline works again for all.</summary>
    public bool AllAcknowledgedSince(IEnumerable<string> tenants, DateTimeOffset since) =>
        tenants.All(t => _lastAck.TryGetValue(t, out var at) && at > since);
}
