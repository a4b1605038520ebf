using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// Every <see cref="Interval"/>, sends what this silo's <see cref="TenantActivity"/> recorded since the previous
/// push to the cluster's aggregate (<see cref="ITenantActivityGrain"/>): one call per period per silo, with the
/// tenants that changed only. A push that fails is sent again, the same deltas under the same sequence number,
/// before anything newer: if it landed although the call failed (a timeout), the aggregate ignores the repeat,
/// so a delta is neither lost nor counted twice; what is recorded meanwhile waits for the next push.
/// </summary>
internal sealed partial class TenantActivityPusher(
    TenantActivity activity,
    IGrainFactory grains,
    ILocalSiloDetails localSilo,
    TimeProvider time,
    ILogger<TenantActivityPusher> logger) : BackgroundService
{
    /// <summary>Shorter than the pages' 5 s refresh, so a refresh shows what the cluster did since the last one.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan FinalPushTimeout = TimeSpan.FromSeconds(5);

    private TenantActivityPush? _unacknowledged;
    private long _sequence;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: not a failure.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The last few seconds of a silo that stops in order, best effort and bounded: the cluster may be going
        // down with it, and the silo's stop must not wait on the dashboard.
        using var timeout = new CancellationTokenSource(FinalPushTimeout, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        await PushAsync(bounded.Token);
    }

    private async Task PushAsync(CancellationToken cancellationToken)
    {
        if (_unacknowledged is null)
        {
            var deltas = activity.TakeDeltas();
            if (deltas.Count == 0)
            {
                return;
            }

            // The silo address with its generation: a restarted process starts its sequence afresh under a new name.
            _unacknowledged = new TenantActivityPush(localSilo.SiloAddress.ToParsableString(), ++_sequence, deltas);
        }

        var push = _unacknowledged;
        try
        {
            var aggregate = grains.GetGrain<ITenantActivityGrain>(ITenantActivityGrain.Key);
            var added = await aggregate.PushAsync(push).WaitAsync(cancellationToken);
            if (!added)
            {
                LogRepeatIgnored(push.Sequence);
            }

            _unacknowledged = null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the push is kept, as after a failure.
        }
        catch (Exception ex)
        {
            LogPushFailed(ex, push.Sequence, push.Tenants.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard figures push {Sequence} ({Tenants} tenants) failed; sent again next period")]
    private partial void LogPushFailed(Exception exception, long sequence, int tenants);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dashboard figures push {Sequence} had landed before; the aggregate ignored the repeat")]
    private partial void LogRepeatIgnored(long sequence);
}
