using System.Diagnostics.Metrics;
using Orleans.EventPipeline.Streaming.Caching;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// What the receivers' meter (<see cref="StreamCacheInstruments"/>) reports while a test runs: held purges
/// and wakes so far, the cache-bytes gauge, last and highest, the derived caches' highest, and refused derived publishes. The meter is static: tests of other classes that
/// run at the same time add their holds too.
/// </summary>
internal sealed class StreamCacheReadings : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _holds;
    private long _bytes;
    private long _peakBytes;
    private long _derivedPeakBytes;
    private long _derivedRefused;
    private long _wakes;

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
                RaisePeak(ref _peakBytes, value);
            }
            else if (instrument.Name == StreamCacheInstruments.DerivedBytesName)
            {
                RaisePeak(ref _derivedPeakBytes, value);
            }
            else if (instrument.Name == StreamCacheInstruments.DerivedRefusedName)
            {
                Interlocked.Add(ref _derivedRefused, value);
            }
            else if (instrument.Name == StreamCacheInstruments.WakesName)
            {
                Interlocked.Add(ref _wakes, value);
            }
        });
        _listener.Start();
    }

    public long Holds => Interlocked.Read(ref _holds);

    public long Bytes => Interlocked.Read(ref _bytes);

    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>Highest reading of the derived caches' bytes gauge, as sampled.</summary>
    public long DerivedPeakBytes => Interlocked.Read(ref _derivedPeakBytes);

    /// <summary>Publishes refused by a full derived queue so far.</summary>
    public long DerivedRefused => Interlocked.Read(ref _derivedRefused);

    /// <summary>Streams the receivers woke so far.</summary>
    public long Wakes => Interlocked.Read(ref _wakes);

    /// <summary>Reads the observable gauges now (they report only when asked).</summary>
    public void Sample() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private static void RaisePeak(ref long peak, long value)
    {
        var current = Interlocked.Read(ref peak);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref peak, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
