using Microsoft.Extensions.Configuration;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Samples.Detection;

/// <summary>The sample detector's grain interface; it has no methods, streams drive it.</summary>
public interface IFailedLoginDetectorGrain : IGrainWithStringKey;

/// <summary>
/// A custom subscriber: one activation per tenant stream key, fed the tenant's ordered events, raising an
/// <see cref="Alert"/> on the tenant's durable alerts stream when one user fails to log in
/// <see cref="FailedLoginOptions.Threshold"/> times within <see cref="FailedLoginOptions.Window"/>.
/// </summary>
[ImplicitStreamSubscription(EventStreams.Ordered)]
public sealed class FailedLoginDetectorGrain(IConfiguration configuration) : Grain, IFailedLoginDetectorGrain
{
    private FailedLoginTracker _tracker = null!;
    private IAsyncStream<Alert> _alerts = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _tracker = new FailedLoginTracker(FailedLoginOptions.From(configuration));
        var streamKey = this.GetPrimaryKeyString();
        _alerts = this.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<Alert>(StreamId.Create(EventStreams.Alerts, StreamKeys.TenantOf(streamKey)));
        await this.GetStreamProvider(PipelineStreams.DerivedProviderName)
            .GetStream<NormalizedEventBatch>(StreamId.Create(EventStreams.Ordered, streamKey))
            .SubscribeAsync(OnBatchAsync);
    }

    private async Task OnBatchAsync(NormalizedEventBatch batch, StreamSequenceToken? token)
    {
        var alerts = new List<Alert>();
        _tracker.Observe(batch.StreamKey, batch.Events, alerts);
        foreach (var alert in alerts)
        {
            await _alerts.OnNextAsync(alert);
        }
    }
}
