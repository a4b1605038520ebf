using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// The figures a page shows: the cluster's, read from <see cref="ITenantActivityGrain"/> in one call per page
/// view; this silo's own when the aggregate cannot be read, which the page then says.
/// </summary>
internal sealed partial class DashboardFigures
{
    private readonly TenantActivitySnapshot? _cluster;
    private readonly TenantActivity _local;

    private DashboardFigures(TenantActivitySnapshot? cluster, TenantActivity local)
    {
        _cluster = cluster;
        _local = local;
    }

    /// <summary>False when the aggregate could not be read and the figures are this silo's alone.</summary>
    public bool ClusterWide => _cluster is not null;

    public static async Task<DashboardFigures> ReadAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var local = services.GetRequiredService<TenantActivity>();
        try
        {
            var snapshot = await services.GetRequiredService<IGrainFactory>().GetGrain<ITenantActivityGrain>(ITenantActivityGrain.Key)
                .ReadAsync().WaitAsync(cancellationToken);
            return new DashboardFigures(snapshot, local);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReadFailed(services.GetRequiredService<ILogger<DashboardFigures>>(), ex);
            return new DashboardFigures(null, local);
        }
    }

    /// <summary>A tenant's figures; <see cref="TenantFigures.Untracked"/> past the tenant-tag cap, zeros for one nobody recorded.</summary>
    public TenantFigures Figures(string tenantId)
    {
        if (_cluster is null)
        {
            return _local.Figures(tenantId);
        }

        if (!TenantTag.IsTracked(tenantId))
        {
            return TenantFigures.Untracked;
        }

        return _cluster.Tenants.TryGetValue(tenantId, out var t)
            ? new TenantFigures(t.Events, t.Bytes, t.Rejected, t.Throttled, t.DeadLetters, t.ArchiveLagSeconds, t.ArchiveLagAt, t.Series)
            : TenantFigures.None;
    }

    /// <summary>Every tenant's events per 10 s bucket over the last hour, summed: the overview chart.</summary>
    public long[] TotalSeries()
    {
        if (_cluster is null)
        {
            return _local.TotalSeries();
        }

        var total = new long[TenantActivity.Buckets];
        foreach (var t in _cluster.Tenants.Values)
        {
            for (var i = 0; i < total.Length; i++)
            {
                total[i] += t.Series[i];
            }
        }

        return total;
    }

    /// <summary>The page's note on where the figures come from.</summary>
    public string Source => ClusterWide
        ? "Summed over every silo of the cluster since the dashboard's aggregate started (the pipeline's metrics, pushed every few seconds)"
        : "The cluster's figures could not be read: counted by this silo alone since it started (the pipeline's metrics)";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster's dashboard figures could not be read; showing this silo's")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
