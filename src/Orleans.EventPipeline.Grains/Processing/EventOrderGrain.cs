using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Ordering;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Puts one stream key's normalized events in event-time order within the tenant's lateness window and
/// publishes them, late ones flagged, to <see cref="EventStreams.Ordered"/>. The buffer is in memory: a
/// crash loses what it held, and the raw stream's replay sends those events through again.
/// </summary>
[ImplicitStreamSubscription(EventStreams.Normalized)]
[CollectionAgeLimit(Minutes = IdleCollection.Minutes)]
public sealed partial class EventOrderGrain(TimeProvider timeProvider, ILogger<EventOrderGrain> logger) : Grain, IEventOrderGrain
{
    private ReorderBuffer? _buffer;
    private long _settingsVersion = -1;
    private IAsyncStream<NormalizedEventBatch>? _ordered;
    private IGrainTimer? _timer;

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
        _buffer!.AddRange(batch.Events, released);
        await PublishAsync(released);
    }

    /// <summary>Every lateness window: releases a quiet stream's events and picks up changed settings.</summary>
    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        var released = new List<NormalizedEvent>();
        _buffer!.ReleaseIdle(released);
        await PublishAsync(released);
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
        if (released.Count > 0)
        {
            await _ordered!.PublishAsync(Tenant, StreamKey, released);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Order stage {StreamKey} uses settings version {Version}, lateness window {LatenessWindow}")]
    private static partial void LogSettingsApplied(ILogger logger, string streamKey, long version, TimeSpan latenessWindow);
}
