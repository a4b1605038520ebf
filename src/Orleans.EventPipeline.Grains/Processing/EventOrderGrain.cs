using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Ordering;
using Orleans.EventPipeline.Streaming.Derived;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Puts one stream key's normalized events in event-time order within the tenant's lateness window and
/// publishes them, late ones flagged, to <see cref="EventStreams.Ordered"/>. Fed by a grain call from the
/// key's processor, placed next to it, so the events pass by reference (they are immutable) instead of
/// being serialized through a stream. The buffer is in memory: a crash loses what it held. While the
/// ordered stream's queue has no room, the publish waits and so does the processor's call; refused, the
/// released events wait here and the call fails, and its retry (the processor's redelivery) is recognized
/// by its position and not buffered twice.
/// <para>
/// Its timer releases a quiet stream's events about every lateness window (<see cref="TickFor"/>) and reads the tenant's
/// settings every <see cref="ProcessingGrainOptions.SettingsRefreshInterval"/> (10 s), whatever the window: a change
/// applies within that and one tick.
/// </para>
/// </summary>
[PreferLocalPlacement]
[CollectionAgeLimit(Minutes = GrainIdleAge.Minutes)]
public sealed partial class EventOrderGrain(
    ReorderBufferBudget budget,
    IOptions<ProcessingGrainOptions> options,
    Orleans.Serialization.Serializer<NormalizedEvent> serializer,
    TimeProvider timeProvider,
    ILogger<EventOrderGrain> logger) : Grain, IEventOrderGrain
{
    /// <summary>
    /// The shortest period of the timer, 100 ms. It was the lateness window, which may be any time up to an hour: a window
    /// of 100 µs ticked 10,000 times a second, each tick a profile read, and kept a core 88-104 % busy (107 % with 8
    /// shards) for one event every 20 s, about 100 µs a tick. At 100 ms a stream key's ticks cost at most ~1 ms of CPU a
    /// second (0.1 % of a core), and a quiet stream's last events come out at most 100 ms after its window, well under the
    /// 1-2 s agents batch their events for. A window under it still holds events that long while events arrive.
    /// </summary>
    public static readonly TimeSpan ShortestTick = TimeSpan.FromMilliseconds(100);

    private readonly TimeSpan _refresh = options.Value.SettingsRefreshInterval;
    private ReorderBuffer? _buffer;
    private OrderingSettings? _ordering;
    private long _settingsVersion = -1;
    private IAsyncStream<NormalizedEventBatch>? _ordered;
    private IGrainTimer? _timer;
    private TimeSpan _tick;
    private DateTimeOffset _settingsReadAt;
    private long _lastPosition = long.MinValue;
    private long _reportedBytes;
    private PendingPublication _unpublished = new();

    // Which of a run of failed ticks get a warning (the first, a new error, the same once a minute).
    private RepeatedFailures _failures;

    private string StreamKey => this.GetPrimaryKeyString();

    private string Tenant => StreamKeys.TenantOf(StreamKey);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _ordered = this.GetStreamProvider(PipelineStreams.DerivedProviderName)
            .GetStream<NormalizedEventBatch>(StreamId.Create(EventStreams.Ordered, StreamKey));
        await ApplySettingsAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        var released = new ReleasedEvents();
        _buffer?.Flush(released);
        try
        {
            await PublishAsync(released);
        }
        finally
        {
            budget.Report(ref _reportedBytes, 0);
        }
    }

    public async Task AddAsync(long? position, IReadOnlyList<NormalizedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var released = new ReleasedEvents();
        if (position is not { } taken || taken > _lastPosition)
        {
            _buffer!.AddRange(events, released);
            _lastPosition = position ?? _lastPosition;
            KeepToBudget(released);
        }

        // A retry after a refused publish adds nothing and sends what is still unpublished.
        await PublishAsync(released);
        ReportBytes();
    }

    public Task<int> DropAsync()
    {
        var dropped = (_buffer?.Count ?? 0) + _unpublished.Count;
        if (_buffer is not null && _ordering is not null)
        {
            // The same window and watermark: what was released stays released for the events after the tenant's next create.
            _buffer = new ReorderBuffer(_ordering, timeProvider, NormalizedBatchPublisher.EstimatedBytes, serializer, _buffer.Watermark);
        }

        _unpublished = new PendingPublication();
        ReportBytes();
        if (dropped > 0)
        {
            LogDropped(logger, StreamKey, dropped);
        }

        return Task.FromResult(dropped);
    }

    /// <summary>
    /// Every tick: releases a quiet stream's events; every settings refresh interval, picks up changed settings. A tick that
    /// fails (the tenant grain's silo died, the ordered stream refused) is retried by the next one and logged here, through
    /// <see cref="RepeatedFailures"/>: left to the grain timer, each failed tick was an error line of its own, up to ten a
    /// second per stream key at the shortest tick.
    /// </summary>
    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        try
        {
            await TickAsync();
            if (_failures.Succeeded(out var failed, out var since))
            {
                var seconds = (timeProvider.GetUtcNow() - since).TotalSeconds;
                LogTicksWorkAgain(logger, StreamKey, failed, seconds);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            if (_failures.Failed(exception, timeProvider.GetUtcNow(), out var unlogged))
            {
                LogTickFailed(logger, exception, StreamKey, unlogged, RepeatedFailures.Every.TotalSeconds);
            }
        }
        finally
        {
            ReportBytes();
            if (_unpublished.Count > 0 || _buffer?.Count > 0)
            {
                // Idle collection would drop what is held or not yet published: stay until the next tick.
                DelayDeactivation(_tick + TimeSpan.FromSeconds(1));
            }
        }
    }

    private async Task TickAsync()
    {
        var released = new ReleasedEvents();
        _buffer!.ReleaseIdle(released);
        try
        {
            await PublishAsync(released);
        }
        catch (DerivedQueueFullException)
        {
            // The released events wait in _unpublished; the next batch or tick sends them.
            LogOrderedStreamFull(logger, StreamKey, _unpublished.Count);
        }

        // Half a tick early: a tick that comes a little before the interval is over reads now, not a whole tick later.
        if (_unpublished.Count > 0 || timeProvider.GetUtcNow() - _settingsReadAt < _refresh - (_tick / 2))
        {
            return;
        }

        await ApplySettingsAsync();
    }

    private async Task ApplySettingsAsync()
    {
        var profile = await GrainFactory.GetGrain<ITenantGrain>(Tenant).GetProfileAsync();
        var readAt = timeProvider.GetUtcNow();
        var ordering = profile.Settings?.Processing.Ordering ?? new OrderingSettings();
        if (profile.Version == _settingsVersion || ordering == _ordering)
        {
            // Any other change (a display name, a parser) keeps the buffer: a new one forgot what had been released, so
            // an event older than that went out after newer ones unflagged.
            (_settingsVersion, _settingsReadAt) = (profile.Version, readAt);
            return;
        }

        // A new window applies from here on: what the old buffer holds goes out in its order first, and what it released
        // stays released: an event older than that is late in the new buffer too.
        var released = new ReleasedEvents();
        _buffer?.Flush(released);
        await PublishAsync(released);

        // Held serialized: a batch's events share arrays, not object graphs the collector marks again and again.
        _buffer = new ReorderBuffer(ordering, timeProvider, NormalizedBatchPublisher.EstimatedBytes, serializer, _buffer?.Watermark);
        (_ordering, _settingsVersion, _settingsReadAt) = (ordering, profile.Version, readAt);
        var tick = TickFor(ordering.LatenessWindow, _refresh);
        if (tick != _tick)
        {
            _timer?.Dispose();
            _timer = this.RegisterGrainTimer(OnTimerAsync, tick, tick);
            _tick = tick;
        }

        LogSettingsApplied(logger, StreamKey, profile.Version, ordering.LatenessWindow, tick);
    }

    /// <summary>
    /// The timer's period: the lateness window, at least <see cref="ShortestTick"/> and at most the settings refresh
    /// interval, so that a window of an hour still reads its settings every interval. A zero window holds nothing: the
    /// timer then only reads settings, every interval.
    /// </summary>
    public static TimeSpan TickFor(TimeSpan latenessWindow, TimeSpan settingsRefresh) =>
        latenessWindow <= TimeSpan.Zero || latenessWindow >= settingsRefresh ? settingsRefresh
        : latenessWindow < ShortestTick ? ShortestTick
        : latenessWindow;

    /// <summary>Over the silo's budget, a buffer at least the average releases its oldest events down to its share.</summary>
    private void KeepToBudget(ReleasedEvents released)
    {
        ReportBytes();
        if (!budget.AsksToShrink(_reportedBytes))
        {
            return;
        }

        var before = released.Count;
        var share = budget.FairShare;
        while (_buffer!.HeldBytes > share && _buffer.TryReleaseOldest(released))
        {
        }

        ProcessingGrainInstruments.RecordReleasedEarly(Tenant, released.Count - before);
    }

    /// <summary>What this stage holds against the silo's budget: its buffer, and released events not yet published.</summary>
    private void ReportBytes() => budget.Report(ref _reportedBytes, (_buffer?.HeldBytes ?? 0) + _unpublished.Bytes);

    private async Task PublishAsync(ReleasedEvents released)
    {
        _unpublished.Add(released);
        await _unpublished.PublishAsync(_ordered!, Tenant, StreamKey, (e, exception) => LogLeftOut(logger, exception, StreamKey, e.EventId, exception.Message));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Order stage {StreamKey} leaves event {EventId} out of the ordered stream, which cannot carry it ({Reason}); it is archived like every other event")]
    private static partial void LogLeftOut(ILogger logger, Exception exception, string streamKey, string eventId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order stage {StreamKey} could not release its held events or read its settings; retried on the next tick. {Unlogged} failures went unlogged since the last warning: the same error is logged once every {EverySeconds} s")]
    private static partial void LogTickFailed(ILogger logger, Exception exception, string streamKey, int unlogged, double everySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order stage {StreamKey} works again after {Failed} failed ticks over {Seconds:F0} s")]
    private static partial void LogTicksWorkAgain(ILogger logger, string streamKey, int failed, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Order stage {StreamKey} keeps {Count} released events: the ordered stream's queue is full, its subscribers are behind")]
    private static partial void LogOrderedStreamFull(ILogger logger, string streamKey, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order stage {StreamKey} dropped {Events} events it held, not published: a delete removed the tenant's data")]
    private static partial void LogDropped(ILogger logger, string streamKey, int events);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order stage {StreamKey} uses settings version {Version}, lateness window {LatenessWindow}, timer every {Tick}")]
    private static partial void LogSettingsApplied(ILogger logger, string streamKey, long version, TimeSpan latenessWindow, TimeSpan tick);
}
