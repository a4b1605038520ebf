using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Archive;

/// <summary>
/// Buffers one stream key's batches as NDJSON and writes them to the archive as one object per flush,
/// named by the first and last batch sequence numbers (<see cref="ArchiveObjectName"/>). Batches are
/// never split, so every object starts and ends on a batch boundary. The lines of one object are written
/// in <see cref="NormalizedEvent.EffectiveTime"/> order (ties in arrival order), so the batches may come
/// in arrival order: the same batches always give the same bytes.
/// <para>
/// Exactly once across crashes, when the consumer checkpoints only what <see cref="FlushAsync"/> made
/// durable: batches at or below <see cref="ArchivedThrough"/> are skipped (seed it with
/// <see cref="ResumeAfter"/> from the checkpoint). A replay then starts where an object written before
/// the crash may start; the writer finds that object and holds its flush until the replay reaches the
/// object's last sequence, so it rewrites the same name with the same events instead of cutting the
/// range differently (the age cut depends on timing). Should it still end later, the shorter object of
/// the same start is deleted once the new one is durable.
/// </para>
/// Not thread-safe: one writer per grain activation.
/// </summary>
public sealed partial class ArchiveWriter : IDisposable
{
    /// <summary>
    /// Markers one object leaves at most (<see cref="ArchiveCatalog.FoundThrough"/>): a day of hours, each a small write;
    /// a sender whose every event has a time of its own must not turn one object into a hundred thousand writes.
    /// </summary>
    public const int MaxSpillHours = 24;

    private readonly IArchiveStore _store;
    private readonly ArchiveFlushPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LineBuffer _buffer;
    private readonly Utf8JsonWriter _json;
    private readonly List<Line> _lines = [];
    private ArrayBufferWriter<byte>? _sorted;
    private long _firstSequence = -1;
    private long _lastSequence = -1;
    private DateTimeOffset _firstEventTime;
    private DateTimeOffset _firstAddedAt;
    private long? _existingLast;
    private double _compressionRatio = ArchiveFormat.FirstRatio;
    private Undo? _undo;

    /// <exception cref="ArgumentException">The policy is invalid; the message lists each fix.</exception>
    public ArchiveWriter(IArchiveStore store, string tenantId, string streamKey, ArchiveFlushPolicy policy, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentException.ThrowIfNullOrWhiteSpace(streamKey);
        ArgumentNullException.ThrowIfNull(policy);
        var errors = policy.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid archive flush policy: " + string.Join(" ", errors), nameof(policy));
        }

        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _policy = policy;
        _buffer = new LineBuffer(64 * 1024, (int)Math.Min(policy.MaxBytes, Array.MaxLength));
        TenantId = tenantId;
        StreamKey = streamKey;
        _json = ArchiveFormat.CreateWriter(_buffer);
    }

    public string TenantId { get; }

    public string StreamKey { get; }

    /// <summary>Events buffered and not yet archived.</summary>
    public int BufferedEvents => _lines.Count;

    /// <summary>Uncompressed NDJSON bytes buffered.</summary>
    public long BufferedBytes => _buffer.WrittenCount;

    /// <summary>Bytes the writer's buffers take in memory, written or not.</summary>
    public long HeldBytes => _buffer.Capacity + (_sorted?.Capacity ?? 0) + ((long)_lines.Capacity * Unsafe.SizeOf<Line>());

    /// <summary>The sequence number of the last batch buffered, which the next object ends at or after; -1 when nothing is buffered.</summary>
    public long BufferedThrough => _lines.Count == 0 ? -1 : _lastSequence;

    /// <summary>The last sequence number known to be in the archive; -1 before the first flush.</summary>
    public long ArchivedThrough { get; private set; } = -1;

    /// <summary>Marks everything up to <paramref name="sequence"/> as archived (from a checkpoint after a restart).</summary>
    public void ResumeAfter(long sequence) => ArchivedThrough = Math.Max(ArchivedThrough, sequence);

    /// <summary>
    /// Buffers one ordered batch at stream sequence <paramref name="sequence"/>. Returns false, buffering
    /// nothing, for a batch already archived or buffered (a replay); sequences must otherwise increase.
    /// An event that cannot be written as JSON is left out and added to <paramref name="unformattable"/>
    /// with the reason, for its dead letter; the other events are buffered. Without that list such an
    /// event throws. Either way the buffer never keeps part of a line, or part of a batch after a throw.
    /// </summary>
    /// <returns>True when at least one event of the batch was buffered.</returns>
    /// <exception cref="ArgumentException">An event belongs to another tenant, or cannot be written and <paramref name="unformattable"/> is null.</exception>
    public bool Add(IReadOnlyList<NormalizedEvent> events, long sequence, ICollection<EventFailure>? unformattable = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        if (sequence <= ArchivedThrough || sequence <= _lastSequence || events.Count == 0)
        {
            return false;
        }

        // Tenant isolation is a product promise: refuse the whole batch rather than archive a foreign event.
        foreach (var normalized in events)
        {
            if (!string.Equals(normalized.TenantId, TenantId, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Event {normalized.EventId} belongs to tenant \"{normalized.TenantId}\", not to this writer's tenant \"{TenantId}\".", nameof(events));
            }
        }

        var undo = new Undo(sequence, _lastSequence, _lines.Count, _buffer.WrittenCount);
        for (var position = 0; position < events.Count; position++)
        {
            var normalized = events[position];
            var start = _buffer.WrittenCount;
            try
            {
                ArchiveFormat.WriteLine(normalized, _buffer, _json);
            }
            catch (Exception exception)
            {
                // Writing one event's JSON touches nothing else: whatever it throws is about this event.
                // A failed line may sit partly in the JSON writer and partly in the buffer: drop both.
                _json.Reset(_buffer);
                _buffer.Truncate(start);
                var reason = $"Archive: the event cannot be written as JSON: {exception.Message}";
                if (unformattable is null)
                {
                    Restore(undo);
                    throw new ArgumentException($"Event {normalized.EventId}: {reason}", nameof(events), exception);
                }

                unformattable.Add(new EventFailure(position, normalized, reason));
                continue;
            }

            if (_lines.Count == 0)
            {
                _firstSequence = sequence;
                _firstEventTime = normalized.EffectiveTime;
                _firstAddedAt = _time.GetUtcNow();
                _existingLast = null;
            }

            _lines.Add(new Line(normalized.EffectiveTime.UtcTicks, _lines.Count, start, _buffer.WrittenCount - start));
        }

        if (_lines.Count == undo.Lines)
        {
            return false;
        }

        _lastSequence = sequence;
        _undo = undo;
        return true;
    }

    /// <summary>
    /// Takes back the batch the last <see cref="Add"/> buffered at <paramref name="sequence"/>, when the
    /// caller could not finish its part (send the batch's dead letters): a redelivery then adds it again.
    /// Only possible until the next flush.
    /// </summary>
    /// <exception cref="InvalidOperationException">The batch at <paramref name="sequence"/> is not the last one buffered.</exception>
    public void RemoveLast(long sequence)
    {
        if (_undo is not { } undo || undo.Sequence != sequence)
        {
            throw new InvalidOperationException($"Batch {sequence} is not the last batch buffered by {StreamKey}'s archive writer.");
        }

        Restore(undo);
    }

    private void Restore(Undo undo)
    {
        _buffer.Truncate(undo.Bytes);
        _lines.RemoveRange(undo.Lines, _lines.Count - undo.Lines);
        _lastSequence = undo.PreviousLastSequence;
        _firstSequence = _lines.Count == 0 ? -1 : _firstSequence;
        _undo = null;
    }

    /// <summary>True when the buffer is past the policy's size, count or age: call <see cref="FlushAsync"/>.</summary>
    public bool IsFlushDue => _policy.IsDue(_buffer.WrittenCount, _lines.Count, Age);

    private TimeSpan Age => _lines.Count == 0 ? TimeSpan.Zero : _time.GetUtcNow() - _firstAddedAt;

    /// <summary>
    /// The name <see cref="FlushAsync"/> writes the buffer under, known before the write (null with nothing buffered), so
    /// that a caller whose flush failed part way knows which object it may have left.
    /// </summary>
    public ArchiveObjectName? PendingName =>
        _lines.Count == 0 ? null : new ArchiveObjectName(TenantId, ArchiveObjectName.TruncateToHour(_firstEventTime), StreamKey, _firstSequence, _lastSequence);

    /// <summary>
    /// Compresses and writes the buffer as one object, durable when this returns; then a checkpoint up to
    /// the returned object's last sequence is safe. Returns null when nothing is buffered, or while a
    /// replay has not yet reached the end of the object it is rebuilding. On failure the buffer is kept
    /// for the next try.
    /// </summary>
    public async Task<ArchiveObjectName?> FlushAsync(CancellationToken cancellationToken)
    {
        if (PendingName is not { } name)
        {
            return null;
        }

        var hour = name.Hour;
        // The last sequence of an object already archived from this buffer's first sequence, else -1.
        _existingLast ??= (await ArchiveCatalog.FurthestAsync(_store, TenantId, hour, StreamKey, _firstSequence, cancellationToken))?.LastSequence ?? -1;
        if (_existingLast > _lastSequence)
        {
            LogHolding(_logger, StreamKey, _firstSequence, _lastSequence, _existingLast.Value);
            return null;
        }

        var compressed = ArchiveFormat.Compress(InEventTimeOrder(), _compressionRatio);
        await _store.WriteAsync(name.Name, compressed.Bytes, cancellationToken);
        // After the object, before anything records it: a crash between replays the object, and its markers with it.
        await WriteSpillMarkersAsync(name, cancellationToken);
        // Back to the pool only once the store took the bytes: a write that failed may leave a reader behind it
        // (an HTTP request body still being copied when the call gave up), so its array goes to the collector.
        compressed.Dispose();
        var compressedBytes = compressed.Length;
        _compressionRatio = (double)compressedBytes / _buffer.WrittenCount;
        LogFlushed(_logger, name.Name, _lines.Count, _buffer.WrittenCount, compressedBytes);
        ProcessingInstruments.RecordArchived(TenantId, _lines.Count, compressedBytes);
        await DeleteSupersededAsync(name, cancellationToken);

        ArchivedThrough = _lastSequence;
        var cutForSize = _buffer.WrittenCount >= _policy.MaxBytes / 2 || _lines.Count >= _policy.MaxEvents / 2;
        _buffer.Clear();
        _lines.Clear();
        if (!cutForSize)
        {
            // Cut for its age or the silo's budget: a quiet stream gives back what it grew to, or a
            // thousand tenants that once had a burst would each keep an object's worth of memory. A
            // stream that fills objects fills the next one as fast, and keeps its buffers.
            Trim();
        }

        _firstSequence = -1;
        _undo = null;
        return name;
    }

    /// <summary>
    /// Drops everything buffered without writing it, as if it had been archived: <see cref="ArchivedThrough"/> moves to the
    /// last batch buffered, so a replay of those batches adds nothing. For data a delete removed; returns the events dropped.
    /// </summary>
    public int Discard()
    {
        var events = _lines.Count;
        if (events == 0)
        {
            return 0;
        }

        ArchivedThrough = Math.Max(ArchivedThrough, _lastSequence);
        _buffer.Clear();
        _lines.Clear();
        Trim();
        _firstSequence = -1;
        _existingLast = null;
        _undo = null;
        return events;
    }

    /// <summary>Gives back the memory of an empty buffer (a busy stream that went quiet); nothing while events are buffered.</summary>
    public void Trim()
    {
        if (_lines.Count > 0)
        {
            return;
        }

        _buffer.Release();
        _lines.Clear();
        _lines.Capacity = 0;
        _sorted = null;
    }

    public void Dispose() => _json.Dispose();

    /// <summary>The buffered lines by event time, ties in arrival order; the buffer itself when already in order.</summary>
    private ReadOnlySpan<byte> InEventTimeOrder()
    {
        var ordered = true;
        for (var i = 1; i < _lines.Count && ordered; i++)
        {
            ordered = _lines[i - 1].Ticks <= _lines[i].Ticks;
        }

        if (ordered)
        {
            return _buffer.WrittenSpan;
        }

        _lines.Sort(static (a, b) => a.Ticks != b.Ticks ? a.Ticks.CompareTo(b.Ticks) : a.Arrival.CompareTo(b.Arrival));
        if (_sorted is null || _sorted.Capacity < _buffer.WrittenCount)
        {
            // Exactly the buffer's size: letting it grow would double it past the object size.
            _sorted = new ArrayBufferWriter<byte>(_buffer.WrittenCount);
        }

        _sorted.ResetWrittenCount();
        foreach (var line in _lines)
        {
            _sorted.Write(_buffer.WrittenSpan.Slice(line.Start, line.Length));
        }

        return _sorted.WrittenSpan;
    }

    /// <summary>
    /// A marker (<see cref="ArchiveObjectName.SpillName"/>) in the folder of each hour whose events a range listing would
    /// not find through the object's own hour (<see cref="ArchiveCatalog.FoundThrough"/>): a device whose clock is off, a
    /// spool of old events followed by live ones. Nothing for an object whose events are within its hour's reach, the
    /// common case; at most <see cref="MaxSpillHours"/>, the hours with the most events, for one whose events are
    /// scattered over more.
    /// </summary>
    private async Task WriteSpillMarkersAsync(ArchiveObjectName name, CancellationToken cancellationToken)
    {
        Dictionary<long, int>? spilled = null;
        foreach (var line in _lines)
        {
            var time = new DateTimeOffset(line.Ticks, TimeSpan.Zero);
            if (!ArchiveCatalog.FoundThrough(name.Hour, time))
            {
                spilled ??= [];
                var hour = ArchiveObjectName.TruncateToHour(time).UtcTicks;
                spilled[hour] = spilled.GetValueOrDefault(hour) + 1;
            }
        }

        if (spilled is null)
        {
            return;
        }

        if (spilled.Count > MaxSpillHours)
        {
            LogSpillCapped(_logger, name.Name, spilled.Count, MaxSpillHours);
        }

        foreach (var (hour, _) in spilled.OrderByDescending(static h => h.Value).ThenBy(static h => h.Key).Take(MaxSpillHours))
        {
            await _store.WriteAsync(name.SpillName(new DateTimeOffset(hour, TimeSpan.Zero)), ReadOnlyMemory<byte>.Empty, cancellationToken);
        }
    }

    /// <summary>
    /// Deletes the objects of the same first sequence that end before <paramref name="written"/>: an unrecorded object a
    /// replay rebuilt longer. Never a longer one: only a second writer of this key makes one (two activations of a
    /// processor while a silo's death moves its partition), and the catalog lists only the longest anyway.
    /// </summary>
    private async Task DeleteSupersededAsync(ArchiveObjectName written, CancellationToken cancellationToken)
    {
        var prefix = ArchiveObjectName.FolderOf(TenantId, written.Hour) + ArchiveObjectName.SequencePrefix(StreamKey, written.FirstSequence);
        await foreach (var existing in _store.ListAsync(prefix, cancellationToken))
        {
            if (ArchiveObjectName.TryParse(existing, out var parsed) && parsed.StreamKey == StreamKey && parsed.LastSequence < written.LastSequence)
            {
                await _store.DeleteAsync(existing, cancellationToken);
                LogSuperseded(_logger, existing, written.Name);
            }
        }
    }

    private readonly record struct Line(long Ticks, int Arrival, int Start, int Length);

    /// <summary>The buffer as it was before the batch at <see cref="Sequence"/> was added.</summary>
    private readonly record struct Undo(long Sequence, long PreviousLastSequence, int Lines, int Bytes);
}
