using System.Buffers;
using Orleans.EventPipeline.Events;
using Orleans.Serialization;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Buffers.Adaptors;

namespace Orleans.EventPipeline.Processing.Ordering;

/// <summary>
/// Reorders one stream key's events by <see cref="NormalizedEvent.EffectiveTime"/> (the event's time,
/// else its observed time). An event is held until the newest event time seen is more than the
/// lateness window past it, then released in time order (ties in arrival order). An event older than
/// the watermark (the latest time already released) cannot be put in place any more: it is released
/// at once with <see cref="NormalizedEvent.Late"/> set, never dropped. So is an event dated more than the window and
/// <see cref="AheadAllowance"/> after the buffer's clock: a source whose clock runs ahead
/// would otherwise move the newest time seen, and with it the release cut-off and the watermark, into the future, so
/// every later event of the stream key came out at once and late until real time caught up (one event at now + 10 min
/// made 160 of 160 late; year 9999, for ever). At most
/// <see cref="OrderingSettings.MaxBufferedEvents"/> are held; past that the oldest are released early, as
/// they are by <see cref="TryReleaseOldest"/> for a memory budget over many buffers (<see cref="HeldBytes"/>).
/// Not thread-safe: one buffer per grain activation.
/// <para>
/// Given a serializer, it holds each event as its serialized bytes and releases it as those bytes
/// (<see cref="ReleasedEvents"/>), which the ordered stream's message takes unread: a parsed event is a record,
/// two dictionaries and their strings, and 5 s of 50,000 events/s held as objects
/// were promoted and marked by every collection (the server GC took 42 % of the silo's CPU with the order
/// stage on). A batch's events share arrays of about <see cref="SlabBytes"/> (<see cref="HeldSlab"/>), not one
/// each: an array per event, ~880 bytes held for the window, was copied twice on its way to gen 2, and at 50,000
/// events/s those copies doubled the collector's pause time (docs/PERFORMANCE.md, "A batch's held events in one
/// array"). Then <see cref="HeldBytes"/> counts those arrays whole while any of their events is held, not
/// <c>sizeOf</c>. A zero window holds nothing (every event is due on arrival), so it serializes nothing; an event the
/// serializer refuses is held as the object, counted by <c>sizeOf</c>: one odd event never fails the others.
/// </para>
/// </summary>
public sealed class ReorderBuffer
{
    /// <summary>A held serialized event's bytes besides its own: its queue entry, its share of its array's header.</summary>
    public const int PackedOverheadBytes = 64;

    /// <summary>
    /// A batch's events go into arrays of about this size (the last event may take it over): 256 KiB, over the
    /// 85,000 bytes from which an array is allocated on the large-object heap, where the collector neither promotes
    /// nor copies it (a batch under that, about 100 events, makes a smaller array that it does copy). One event held
    /// long keeps its whole array resident, and counted: at most this much, about 300 events of ~880 bytes.
    /// </summary>
    public const int SlabBytes = 256 * 1024;

    /// <summary>
    /// How far past the lateness window an event may be dated after the buffer's clock and still be put in order, 1 s:
    /// the window already covers the skew between a tenant's hosts (OrderingSettings.LatenessWindow); this second covers
    /// the gateway's clock against the silo's for events ordered by their observed time (NTP keeps them within
    /// milliseconds) and lets a zero window order events stamped a little ahead. An event within the limit can suspend
    /// holding for the others for at most this long past the window.
    /// </summary>
    public static readonly TimeSpan AheadAllowance = TimeSpan.FromSeconds(1);

    [ThreadStatic]
    private static BufferWriterBox<PooledBuffer>? t_scratch;

    private readonly PriorityQueue<Held, (long Ticks, long Arrival)> _queue = new();
    private readonly Func<NormalizedEvent, long> _sizeOf;
    private readonly Serializer<NormalizedEvent>? _serializer;
    private readonly TimeProvider _time;
    private readonly long _windowTicks;
    private readonly long _aheadTicks;
    private readonly int _maxBuffered;
    private long _arrivals;
    private long _maxSeenTicks = long.MinValue;
    private long _watermarkTicks = long.MinValue;
    private DateTimeOffset _lastAdded;

    /// <param name="sizeOf">An event's size as <see cref="HeldBytes"/> counts it when held as the object; none counts 0.</param>
    /// <param name="serializer">Holds events serialized (see the remarks above); none holds the objects.</param>
    /// <param name="watermark">
    /// The watermark of the buffer this one replaces (its <see cref="Watermark"/> after <see cref="Flush"/>): an event
    /// behind what the stream key already released is late in the new buffer too. Null for a new stream key.
    /// </param>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists each fix.</exception>
    public ReorderBuffer(OrderingSettings settings, TimeProvider timeProvider, Func<NormalizedEvent, long>? sizeOf = null, Serializer<NormalizedEvent>? serializer = null, DateTimeOffset? watermark = null)
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
        _aheadTicks = settings.LatenessWindow.Ticks + AheadAllowance.Ticks;
        _watermarkTicks = watermark?.UtcTicks ?? long.MinValue;
    }

    public TimeSpan LatenessWindow { get; }

    /// <summary>Events held.</summary>
    public int Count => _queue.Count;

    /// <summary>
    /// What the held events keep resident: each array of serialized events whole while any of them is held, and
    /// <see cref="PackedOverheadBytes"/> an event; or what the constructor's <c>sizeOf</c> gave for one held as the
    /// object.
    /// </summary>
    public long HeldBytes { get; private set; }

    /// <summary>The latest event time released; later arrivals before it are late. Null until the first release.</summary>
    public DateTimeOffset? Watermark => _watermarkTicks == long.MinValue ? null : new DateTimeOffset(_watermarkTicks, TimeSpan.Zero);

    /// <summary>Adds an event and appends every event it makes due to <paramref name="released"/>, in order.</summary>
    public void Add(NormalizedEvent normalized, ReleasedEvents released) => AddRange([normalized], released);

    /// <summary>Adds events in arrival order, each as <see cref="Add"/> does; held serialized, they share arrays.</summary>
    public void AddRange(IReadOnlyList<NormalizedEvent> events, ReleasedEvents released)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(released);
        if (_serializer is null || _windowTicks == 0)
        {
            foreach (var normalized in events)
            {
                Add(normalized, null, default, released);
            }

            return;
        }

        for (var next = 0; next < events.Count;)
        {
            next = AddSlab(events, next, released);
        }
    }

    /// <summary>
    /// When nothing has arrived for a whole lateness window, no held event can be overtaken in time any
    /// more: releases them all. Call it from a timer about every <see cref="LatenessWindow"/>; a stream that
    /// goes quiet then delivers its last events within the window and one timer period.
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

    /// <summary>
    /// Serializes events from <paramref name="first"/> on into one array of about <see cref="SlabBytes"/>, then adds
    /// them; returns the index after the last one it took. An event the serializer refuses is added as the object,
    /// and so is one already behind the watermark or too far ahead of the clock: it is released at once, late, so its
    /// bytes would never be read.
    /// </summary>
    private int AddSlab(IReadOnlyList<NormalizedEvent> events, int first, ReleasedEvents released)
    {
        // Each event's start and length in the scratch buffer; length -1 for one not serialized.
        var ranges = ArrayPool<int>.Shared.Rent(2 * (events.Count - first));
        // Taken while in use, given back emptied: the pooled segments go back to Orleans' pool, not kept per thread.
        var scratch = t_scratch ?? new BufferWriterBox<PooledBuffer>(new PooledBuffer());
        t_scratch = null;
        try
        {
            var count = 0;
            var slabLength = 0;
            // One clock read a slab, not one an event: the slab is serialized within a millisecond or so.
            var aheadLimit = AheadLimitTicks(_time.GetUtcNow().UtcTicks);
            while (first + count < events.Count && slabLength < SlabBytes)
            {
                var start = scratch.Value.Length;
                var length = -1;
                if (events[first + count] is { } normalized && InPlace(normalized, aheadLimit))
                {
                    try
                    {
                        _serializer!.Serialize(normalized, scratch);
                        length = scratch.Value.Length - start;
                        slabLength += length;
                    }
                    catch (Exception exception) when (exception is not OutOfMemoryException)
                    {
                        // Held as the object instead; what the writer committed before failing sits between this
                        // event's start and the next one's and is not copied. Its publisher leaves it out of the ordered
                        // stream when the stream's codec refuses it too (UnserializableEventException).
                    }
                }

                ranges[2 * count] = start;
                ranges[(2 * count) + 1] = length;
                count++;
            }

            var slab = new HeldSlab(GC.AllocateUninitializedArray<byte>(slabLength));
            var offset = 0;
            for (var i = 0; i < count; i++)
            {
                if (ranges[(2 * i) + 1] is var length and >= 0)
                {
                    var copied = scratch.Value.Slice(ranges[2 * i], length).CopyTo(slab.Bytes.AsSpan(offset, length));
                    if (copied != length)
                    {
                        throw new InvalidOperationException($"The scratch buffer gave {copied} of an event's {length} serialized bytes.");
                    }

                    ranges[2 * i] = offset;
                    offset += length;
                }
            }

            for (var i = 0; i < count; i++)
            {
                var length = ranges[(2 * i) + 1];
                Add(events[first + i], length < 0 ? null : slab, length < 0 ? default : slab.Bytes.AsMemory(ranges[2 * i], length), released);
            }

            return first + count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(ranges);
            scratch.Value.Reset();
            t_scratch = scratch;
        }
    }

    /// <summary>Adds one event, held as <paramref name="serialized"/> (a range of <paramref name="slab"/>) or, without one, as the object.</summary>
    private void Add(NormalizedEvent normalized, HeldSlab? slab, ReadOnlyMemory<byte> serialized, ReleasedEvents released)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        _lastAdded = _time.GetUtcNow();
        var ticks = normalized.EffectiveTime.UtcTicks;
        if (!InPlace(normalized, AheadLimitTicks(_lastAdded.UtcTicks)))
        {
            ProcessingInstruments.RecordLate(normalized.TenantId);
            released.Add(normalized.Late ? normalized : normalized with { Late = true });
            return;
        }

        Held held;
        if (slab is null)
        {
            held = new Held(normalized, default, _sizeOf(normalized));
        }
        else
        {
            held = new Held(slab, serialized, PackedOverheadBytes);
            if (slab.Held++ == 0)
            {
                HeldBytes += slab.Bytes.Length;
            }
        }

        _queue.Enqueue(held, (ticks, _arrivals++));
        HeldBytes += held.Bytes;
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

    /// <summary>Whether an event of this time can still be put in order: not behind the watermark, not past the limit ahead.</summary>
    /// <remarks>
    /// Only an event's own timestamp is held to the limit ahead: one ordered by its observed time was stamped by the
    /// gateway (or an OTLP shipper) when it arrived, and a silo whose clock is behind that one by more than the window
    /// would otherwise flag every such event late (helper-121).
    /// </remarks>
    private bool InPlace(NormalizedEvent normalized, long aheadLimitTicks)
    {
        var ticks = normalized.EffectiveTime.UtcTicks;
        return ticks >= _watermarkTicks && (normalized.Timestamp is null || ticks <= aheadLimitTicks);
    }

    /// <summary>Saturating: a clock within an hour of year 9999 puts every time in order rather than wrapping.</summary>
    private long AheadLimitTicks(long nowTicks) =>
        _aheadTicks >= DateTimeOffset.MaxValue.UtcTicks - nowTicks ? DateTimeOffset.MaxValue.UtcTicks : nowTicks + _aheadTicks;

    /// <summary>Releases the oldest held event as it is held: serialized bytes go out unread (<see cref="ReleasedEvents"/>).</summary>
    private void Release(ReleasedEvents released)
    {
        _queue.TryDequeue(out var next, out var key);
        HeldBytes -= next.Bytes;
        _watermarkTicks = Math.Max(_watermarkTicks, key.Ticks);
        if (next.Owner is HeldSlab slab)
        {
            if (--slab.Held == 0)
            {
                HeldBytes -= slab.Bytes.Length;
            }

            released.AddSerialized(next.Serialized, _serializer!);
        }
        else
        {
            released.Add((NormalizedEvent)next.Owner);
        }
    }

    /// <summary>A queue entry: the event itself, or its bytes in a slab; and the bytes it counts besides its slab.</summary>
    private readonly record struct Held(object Owner, ReadOnlyMemory<byte> Serialized, long Bytes);
}
