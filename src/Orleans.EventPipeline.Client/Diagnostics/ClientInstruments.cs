using System.Diagnostics.Metrics;

namespace Orleans.EventPipeline.Client.Diagnostics;

/// <summary>
/// The client's metrics on the <c>Orleans.EventPipeline.Client</c> meter (System.Diagnostics.Metrics, so any
/// listener or OpenTelemetry exporter reads them), and the same numbers for <see cref="EventPipelineClient.Statistics"/>.
/// </summary>
internal sealed class ClientInstruments : IDisposable
{
    public const string MeterName = "Orleans.EventPipeline.Client";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _queued;
    private readonly Counter<long> _acknowledged;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retried;
    private long _queuedTotal;
    private long _acknowledgedTotal;
    private long _rejectedTotal;
    private long _failedTotal;
    private long _retriedTotal;
    private int _inFlight;
    private int _retrying;
    private string? _sendingProblem;

    public ClientInstruments(Func<long> spoolBytes, Func<int> spoolBatches, Func<long> spoolDiskBytes, Func<long> damagedBytes)
    {
        _queued = _meter.CreateCounter<long>("eventpipeline.client.events.queued", "{event}", "Events taken by SendAsync.");
        _acknowledged = _meter.CreateCounter<long>("eventpipeline.client.events.acknowledged", "{event}", "Events the gateway accepted (200).");
        _rejected = _meter.CreateCounter<long>("eventpipeline.client.events.rejected", "{event}", "Events the gateway refused alone in a 200 answer.");
        _failed = _meter.CreateCounter<long>("eventpipeline.client.events.failed", "{event}", "Events of batches refused whole with a 4xx that is not retried.");
        _retried = _meter.CreateCounter<long>("eventpipeline.client.batches.retried", "{attempt}", "Attempts of a batch after the first.");
        _meter.CreateObservableGauge("eventpipeline.client.batches.in_flight", () => Volatile.Read(ref _inFlight), "{batch}", "Batches being sent.");
        _meter.CreateObservableGauge("eventpipeline.client.spool.bytes", spoolBytes, "By", "Bytes of spooled batches not yet acknowledged.");
        _meter.CreateObservableGauge("eventpipeline.client.spool.batches", spoolBatches, "{batch}", "Spooled batches not yet acknowledged.");
        _meter.CreateObservableGauge("eventpipeline.client.spool.disk_bytes", spoolDiskBytes, "By", "What counts in MaxSpoolBytes besides the batch being filled: the spool's files and the room kept for its reserve and a split record.");
        _meter.CreateObservableGauge("eventpipeline.client.spool.damaged_bytes", damagedBytes, "By", "Bytes of the spool's .damaged files, kept for inspection.");
    }

    public void Queued(int events)
    {
        _queued.Add(events);
        Interlocked.Add(ref _queuedTotal, events);
    }

    public void Acknowledged(int events, int rejected)
    {
        _acknowledged.Add(events - rejected);
        Interlocked.Add(ref _acknowledgedTotal, events - rejected);
        if (rejected > 0)
        {
            _rejected.Add(rejected);
            Interlocked.Add(ref _rejectedTotal, rejected);
        }

        Volatile.Write(ref _retrying, 0);
    }

    public void Failed(int events)
    {
        _failed.Add(events);
        Interlocked.Add(ref _failedTotal, events);
        Volatile.Write(ref _retrying, 0);
    }

    public void Retried()
    {
        _retried.Add(1);
        Interlocked.Increment(ref _retriedTotal);
        Volatile.Write(ref _retrying, 1);
    }

    /// <summary>The unexpected error the sender is waiting out, or null once a batch is done again.</summary>
    public void SendingProblem(string? problem) => Volatile.Write(ref _sendingProblem, problem);

    public void InFlight(int delta) => Interlocked.Add(ref _inFlight, delta);

    public ClientStatistics Snapshot(long spoolBytes, int spoolBatches) => new(
        Interlocked.Read(ref _queuedTotal),
        Interlocked.Read(ref _acknowledgedTotal),
        Interlocked.Read(ref _rejectedTotal),
        Interlocked.Read(ref _failedTotal),
        Interlocked.Read(ref _retriedTotal),
        Volatile.Read(ref _inFlight),
        spoolBatches,
        spoolBytes,
        Volatile.Read(ref _retrying) != 0,
        Volatile.Read(ref _sendingProblem));

    public void Dispose() => _meter.Dispose();
}
