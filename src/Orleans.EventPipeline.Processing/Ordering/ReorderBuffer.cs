using Orleans.EventPipeline.Events;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Processing.Ordering;

/// <summary>
/// Reorders one stream key's events by <see cref="NormalizedEvent.EffectiveTime"/> (the event's time,
/// else its observed time). An event is held until the newest event time seen is more than the
/// lateness window past it, then released in time order (ties in arrival order). An event older than
/// the watermark (the latest time already released) cannot be put in place any more: it is released
/// at once with <see cref="NormalizedEvent.Late"/> set, never dropped. At most
/// <see cref="OrderingSettings.MaxBufferedEvents"/> are held; past that the oldest are released early, as
/// they are by <see cref="TryReleaseOldest"/> for a memory budget over many buffers (<see cref="HeldBytes"/>).
/// Not thread-safe: one buffer per grain activation.
/// <para>
/// Given a serializer, it holds each event as its serialized bytes, one array, and releases it as those bytes
/// (<see cref="ReleasedEvents"/>), which the ordered stream's message takes unread: a parsed event is a record,
/// two dictionaries and their strings, and 5 s of 50,000 events/s held as objects
/// were promoted and marked by every collection (the server GC took 42 % of the silo's CPU with the order
/// stage on). Then <see cref="HeldBytes"/> counts those arrays, not <c>sizeOf</c>. A zero window holds nothing
/// (every event is due on arrival), so it serializes nothing; an event the serializer refuses is held as the
/// object, counted by <c>sizeOf</c>: one odd event never fails the others.
/// </para>
/// </summary>
public sealed class ReorderBuffer
{
    /// <summary>A held event's bytes besides its serialized ones: the array's header and its queue entry.</summary>
    public const int PackedOverheadBytes = 64;

    private readonly PriorityQueue<(object Held, long Bytes), (long Ticks, long Arrival)> _queue = new();
    private readonly Func<NormalizedEvent, long> _sizeOf;
    private readonly Serializer<NormalizedEvent>? _serializer;
    private readonly TimeProvider _time;
    private readonly long _windowTicks;
    private readonly int _maxBuffered;
    private long _arrivals;
    private long _maxSeenTicks = long.MinValue;
    private long _watermarkTicks = long.MinValue;
    private DateTimeOffset _lastAdded;

    /// <param name="sizeOf">An event's size as <see cref="HeldBytes"/> counts it when held as the object; none counts 0.</param>
    /// <param name="serializer">Holds events serialized (see the remarks above); none holds the objects.</param>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists each fix.</exception>
    public ReorderBuffer(OrderingSettings settings, TimeProvider timeProvider, Func<NormalizedEvent, long>? sizeOf = null, Serializer<NormalizedEvent>? serializer = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid ordering settings: " + string.Join(" ", errors), nameof(settings));
        }

        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _windowTicks = settings.LatenessWindow.Ticks;
        _maxBuffered = settings.MaxBufferedEvents;
        _sizeOf = sizeOf ?? (static _ => 0);
        _serializer = serializer;
        LatenessWindow = settings.LatenessWindow;
    }

    public TimeSpan LatenessWindow { get; }

    /// <summary>Events held.</summary>
    public int Count => _queue.Count;

    /// <summary>The held events' sizes: their serialized arrays, or what the constructor's <c>sizeOf</c> gave for those held as objects.</summary>
    public long HeldBytes { get; private set; }

    /// <summary>The latest event time released; later arrivals before it are late. Null until the first release.</summary>
    public DateTimeOffset? Watermark => _watermarkTicks == long.MinValue ? null : new DateTimeOffset(_watermarkTicks, TimeSpan.Zero);

    /// <summary>Adds an event and appends every event it makes due to <paramref name="released"/>, in order.</summary>
    public void Add(NormalizedEvent normalized, ReleasedEvents released)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        ArgumentNullException.ThrowIfNull(released);
        _lastAdded = _time.GetUtcNow();
        var ticks = normalized.EffectiveTime.UtcTicks;
        if (ticks < _watermarkTicks)
        {
            ProcessingInstruments.RecordLate(normalized.TenantId);
            released.Add(normalized.Late ? normalized : normalized with { Late = true });
            return;
        }

        var (held, bytes) = Hold(normalized);
        _queue.Enqueue((held, bytes), (ticks, _arrivals++));
        HeldBytes += bytes;
        _maxSeenTicks = Math.Max(_maxSeenTicks, ticks);

        // Saturating: a window longer than the time since year 1 releases nothing rather than wrapping.
        var due = _maxSeenTicks - Math.Min(_windowTicks, _maxSeenTicks);
        while (_queue.TryPeek(out _, out var key) && key.Ticks <= due)
        {
            Release(released);
        }

        while (_queue.Count > _maxBuffered)
        {
            Release(released);
        }
    }

    /// <summary>Adds events in arrival order; see <see cref="Add"/>.</summary>
    public void AddRange(IEnumerable<NormalizedEvent> events, ReleasedEvents released)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var normalized in events)
        {
            Add(normalized, released);
        }
    }

    /// <summary>
    /// When nothing has arrived for a whole lateness window, no held event can be overtaken in time any
    /// more: releases them all. Call it from a timer every <see cref="LatenessWindow"/>; a stream that
    /// goes quiet then still delivers its last events within about two windows.
    /// </summary>
    public void ReleaseIdle(ReleasedEvents released)
    {
        if (_queue.Count > 0 && _time.GetUtcNow() - _lastAdded >= LatenessWindow)
        {
            Flush(released);
        }
    }

    /// <summary>Releases the oldest held event, before its window is over; false when none is held.</summary>
    public bool TryReleaseOldest(ReleasedEvents released)
    {
        ArgumentNullException.ThrowIfNull(released);
        if (_queue.Count == 0)
        {
            return false;
        }

        Release(released);
        return true;
    }

    /// <summary>Releases every held event in order (deactivation, shutdown).</summary>
    public void Flush(ReleasedEvents released)
    {
        ArgumentNullException.ThrowIfNull(released);
        while (_queue.Count > 0)
        {
            Release(released);
        }
    }

    /// <summary>What the queue keeps for an event, and the bytes it counts (see the remarks on the class).</summary>
    private (object Held, long Bytes) Hold(NormalizedEvent normalized)
    {
        if (_serializer is not null && _windowTicks > 0)
        {
            try
            {
                var packed = _serializer.SerializeToArray(normalized);
                return (packed, packed.Length + PackedOverheadBytes);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // Held as the object instead; its publisher leaves it out of the ordered stream when the stream's
                // codec refuses it too (UnserializableEventException), and publishes the others.
            }
        }

        return (normalized, _sizeOf(normalized));
    }

    /// <summary>Releases the oldest held event as it is held: serialized bytes go out unread (<see cref="ReleasedEvents"/>).</summary>
    private void Release(ReleasedEvents released)
    {
        _queue.TryDequeue(out var next, out var key);
        HeldBytes -= next.Bytes;
        _watermarkTicks = Math.Max(_watermarkTicks, key.Ticks);
        if (next.Held is byte[] serialized)
        {
            released.AddSerialized(serialized, _serializer!);
        }
        else
        {
            released.Add((NormalizedEvent)next.Held);
        }
    }
}
