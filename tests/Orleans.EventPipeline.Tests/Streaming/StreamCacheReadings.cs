using System.Diagnostics.Metrics;
using Orleans.EventPipeline.Streaming.Caching;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// What the receivers' meter (<see cref="StreamCacheInstruments"/>) reports while a test runs: held purges
/// so far, and the cache-bytes gauge, last and highest. The meter is static: tests of other classes that
/// run at the same time add their holds too.
/// </summary>
internal sealed class StreamCacheReadings : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _holds;
    private long _bytes;
    private long _peakBytes;

    public StreamCacheReadings()
    {
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == StreamCacheInstruments.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == StreamCacheInstruments.HoldsName)
            {
                Interlocked.Add(ref _holds, value);
            }
            else if (instrument.Name == StreamCacheInstruments.BytesName)
            {
                Interlocked.Exchange(ref _bytes, value);
                RaisePeak(value);
            }
        });
        _listener.Start();
    }

    public long Holds => Interlocked.Read(ref _holds);

    public long Bytes => Interlocked.Read(ref _bytes);

    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>Reads the observable gauges now (they report only when asked).</summary>
    public void Sample() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void RaisePeak(long value)
    {
        var current = Interlocked.Read(ref _peakBytes);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref _peakBytes, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
