using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Ordering;
using Orleans.EventPipeline.Streaming.Derived;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Puts one stream key's normalized events in event-time order within the tenant's lateness window and
/// publishes them, late ones flagged, to <see cref="EventStreams.Ordered"/>. The buffer is in memory: a
/// crash loses what it held, and the raw stream's replay sends those events through again. While the
/// ordered stream refuses a publish (its queue at its budget), released events wait here and the
/// normalized batch's delivery fails; its redelivery is recognized by position and not buffered twice.
/// </summary>
[ImplicitStreamSubscription(EventStreams.Normalized)]
[CollectionAgeLimit(Minutes = IdleCollection.Minutes)]
public sealed partial class EventOrderGrain(TimeProvider timeProvider, ILogger<EventOrderGrain> logger) : Grain, IEventOrderGrain
{
    private ReorderBuffer? _buffer;
    private long _settingsVersion = -1;
    private IAsyncStream<NormalizedEventBatch>? _ordered;
    private IGrainTimer? _timer;
    private StreamSequenceToken? _lastTaken;
    private readonly PendingPublication _unpublished = new();

    private string StreamKey => this.GetPrimaryKeyString();

    private string Tenant => StreamKeys.TenantOf(StreamKey);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var derived = this.GetStreamProvider(PipelineStreams.DerivedProviderName);
        _ordered = derived.GetStream<NormalizedEventBatch>(StreamId.Create(EventStreams.Ordered, StreamKey));
        await ApplySettingsAsync();
        await derived.GetStream<NormalizedEventBatch>(StreamId.Create(EventStreams.Normalized, StreamKey)).SubscribeAsync(OnBatchAsync);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        var released = new List<NormalizedEvent>();
        _buffer?.Flush(released);
        await PublishAsync(released);
    }

    private async Task OnBatchAsync(NormalizedEventBatch batch, StreamSequenceToken? token)
    {
        var released = new List<NormalizedEvent>();
        if (token is null || _lastTaken is null || token.Newer(_lastTaken))
        {
            _buffer!.AddRange(batch.Events, released);
            _lastTaken = token;
        }

        // A redelivery after a refused publish adds nothing and retries what is still unpublished.
        await PublishAsync(released);
    }

    /// <summary>Every lateness window: releases a quiet stream's events and picks up changed settings.</summary>
    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        var released = new List<NormalizedEvent>();
        _buffer!.ReleaseIdle(released);
        try
        {
            await PublishAsync(released);
        }
        catch (DerivedQueueFullException)
        {
            // The released events wait in _unpublished; the next batch or tick sends them.
            LogOrderedStreamFull(logger, StreamKey, _unpublished.Count);
            return;
        }

        await ApplySettingsAsync();
    }

    private async Task ApplySettingsAsync()
    {
        var profile = await GrainFactory.GetGrain<ITenantGrain>(Tenant).GetProfileAsync();
        if (profile.Version == _settingsVersion)
        {
            return;
        }

        // A new window applies from here on: what the old buffer holds goes out in its order first.
        var released = new List<NormalizedEvent>();
        _buffer?.Flush(released);
        await PublishAsync(released);

        var ordering = profile.Settings?.Processing.Ordering ?? new OrderingSettings();
        _buffer = new ReorderBuffer(ordering, timeProvider);
        _settingsVersion = profile.Version;
        // A zero window releases on arrival; the timer then only refreshes settings, every second.
        var tick = ordering.LatenessWindow > TimeSpan.Zero ? ordering.LatenessWindow : TimeSpan.FromSeconds(1);
        _timer?.Dispose();
        _timer = this.RegisterGrainTimer(OnTimerAsync, tick, tick);
        LogSettingsApplied(logger, StreamKey, profile.Version, ordering.LatenessWindow);
    }

    private async Task PublishAsync(List<NormalizedEvent> released)
    {
        _unpublished.Add(released);
        await _unpublished.PublishAsync(_ordered!, Tenant, StreamKey);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Order stage {StreamKey} keeps {Count} released events: the ordered stream's queue is full, its subscribers are behind")]
    private static partial void LogOrderedStreamFull(ILogger logger, string streamKey, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order stage {StreamKey} uses settings version {Version}, lateness window {LatenessWindow}")]
    private static partial void LogSettingsApplied(ILogger logger, string streamKey, long version, TimeSpan latenessWindow);
}
