using System.Buffers;
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
/// range differently (the age cut depends on timing). Should it still end elsewhere, the older object of
/// the same start is deleted once the new one is durable.
/// </para>
/// Not thread-safe: one writer per grain activation.
/// </summary>
public sealed partial class ArchiveWriter : IDisposable
{
    private readonly IArchiveStore _store;
    private readonly ArchiveFlushPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _json;
    private readonly List<Line> _lines = [];
    private readonly ArrayBufferWriter<byte> _sorted = new(64 * 1024);
    private int _events;
    private long _firstSequence = -1;
    private long _lastSequence = -1;
    private DateTimeOffset _firstEventTime;
    private DateTimeOffset _firstAddedAt;
    private long? _existingLast;

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
        TenantId = tenantId;
        StreamKey = streamKey;
        _json = ArchiveFormat.CreateWriter(_buffer);
    }

    public string TenantId { get; }

    public string StreamKey { get; }

    /// <summary>Events buffered and not yet archived.</summary>
    public int BufferedEvents => _events;

    /// <summary>Uncompressed NDJSON bytes buffered.</summary>
    public long BufferedBytes => _buffer.WrittenCount;

    /// <summary>The last sequence number known to be in the archive; -1 before the first flush.</summary>
    public long ArchivedThrough { get; private set; } = -1;

    /// <summary>The batch sequence the next object starts at, for the consumer's checkpoint; null when nothing is buffered.</summary>
    public long? BufferedFrom => _events == 0 ? null : _firstSequence;

    /// <summary>Marks everything up to <paramref name="sequence"/> as archived (from a checkpoint after a restart).</summary>
    public void ResumeAfter(long sequence) => ArchivedThrough = Math.Max(ArchivedThrough, sequence);

    /// <summary>
    /// Buffers one ordered batch at stream sequence <paramref name="sequence"/>. Returns false, buffering
    /// nothing, for a batch already archived or buffered (a replay); sequences must otherwise increase.
    /// </summary>
    /// <exception cref="ArgumentException">An event belongs to another tenant.</exception>
    public bool Add(IReadOnlyList<NormalizedEvent> events, long sequence)
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

        if (_events == 0)
        {
            _firstSequence = sequence;
            _firstEventTime = events[0].EffectiveTime;
            _firstAddedAt = _time.GetUtcNow();
            _existingLast = null;
        }

        foreach (var normalized in events)
        {
            var start = _buffer.WrittenCount;
            ArchiveFormat.WriteLine(normalized, _buffer, _json);
            _lines.Add(new Line(normalized.EffectiveTime.UtcTicks, _lines.Count, start, _buffer.WrittenCount - start));
        }

        _events += events.Count;
        _lastSequence = sequence;
        return true;
    }

    /// <summary>True when the buffer is past the policy's size, count or age: call <see cref="FlushAsync"/>.</summary>
    public bool IsFlushDue => _policy.IsDue(_buffer.WrittenCount, _events, Age);

    /// <summary>Time left before the age limit makes a flush due; null when nothing is buffered. Drives the grain's timer.</summary>
    public TimeSpan? FlushDueIn => _events == 0 ? null : _policy.MaxAge - Age > TimeSpan.Zero ? _policy.MaxAge - Age : TimeSpan.Zero;

    private TimeSpan Age => _events == 0 ? TimeSpan.Zero : _time.GetUtcNow() - _firstAddedAt;

    /// <summary>
    /// Compresses and writes the buffer as one object, durable when this returns; then a checkpoint up to
    /// the returned object's last sequence is safe. Returns null when nothing is buffered, or while a
    /// replay has not yet reached the end of the object it is rebuilding. On failure the buffer is kept
    /// for the next try.
    /// </summary>
    public async Task<ArchiveObjectName?> FlushAsync(CancellationToken cancellationToken)
    {
        if (_events == 0)
        {
            return null;
        }

        var hour = ArchiveObjectName.TruncateToHour(_firstEventTime);
        _existingLast ??= await FindExistingLastAsync(hour, cancellationToken);
        if (_existingLast > _lastSequence)
        {
            LogHolding(_logger, StreamKey, _firstSequence, _lastSequence, _existingLast.Value);
            return null;
        }

        var name = new ArchiveObjectName(TenantId, hour, StreamKey, _firstSequence, _lastSequence);
        var compressed = ArchiveFormat.Compress(InEventTimeOrder());
        await _store.WriteAsync(name.Name, compressed, cancellationToken);
        LogFlushed(_logger, name.Name, _events, _buffer.WrittenCount, compressed.Length);
        ProcessingInstruments.RecordArchived(TenantId, compressed.Length);
        await DeleteSupersededAsync(name, cancellationToken);

        ArchivedThrough = _lastSequence;
        _buffer.Clear();
        _lines.Clear();
        _events = 0;
        _firstSequence = -1;
        return name;
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
        _sorted.ResetWrittenCount();
        foreach (var line in _lines)
        {
            _sorted.Write(_buffer.WrittenSpan.Slice(line.Start, line.Length));
        }

        return _sorted.WrittenSpan;
    }

    /// <summary>The last sequence of an object already archived from this buffer's first sequence, else -1.</summary>
    private async Task<long> FindExistingLastAsync(DateTimeOffset hour, CancellationToken cancellationToken)
    {
        var last = -1L;
        var prefix = ArchiveObjectName.FolderOf(TenantId, hour) + ArchiveObjectName.SequencePrefix(StreamKey, _firstSequence);
        await foreach (var existing in _store.ListAsync(prefix, cancellationToken))
        {
            if (ArchiveObjectName.TryParse(existing, out var parsed) && parsed.StreamKey == StreamKey)
            {
                last = Math.Max(last, parsed.LastSequence);
            }
        }

        return last;
    }

    private async Task DeleteSupersededAsync(ArchiveObjectName written, CancellationToken cancellationToken)
    {
        var prefix = ArchiveObjectName.FolderOf(TenantId, written.Hour) + ArchiveObjectName.SequencePrefix(StreamKey, written.FirstSequence);
        await foreach (var existing in _store.ListAsync(prefix, cancellationToken))
        {
            if (existing != written.Name && ArchiveObjectName.TryParse(existing, out var parsed) && parsed.StreamKey == StreamKey)
            {
                await _store.DeleteAsync(existing, cancellationToken);
                LogSuperseded(_logger, existing, written.Name);
            }
        }
    }

    private readonly record struct Line(long Ticks, int Arrival, int Start, int Length);
}
