using Orleans.EventPipeline.Streaming.Checkpointing;
using Orleans.EventPipeline.Streams;
using Orleans.Streams;

namespace Orleans.EventPipeline.Silo.Roles;

/// <summary>
/// Hands a stream provider's queues (Event Hubs partitions) to the active silos that run receivers
/// only, in equal shares: queue i goes to the (i mod n)-th of the n receiver silos ordered by endpoint
/// (<see cref="ClusterRoles.ActiveReceiverSilos"/>). Orleans' balancers do not fit a cluster with
/// receiver-less silos: the consistent ring gives every active silo a range, so a gateway would own
/// partitions that nobody reads; the lease balancer sizes each silo's share by all active silos, so
/// with one gateway and two processors one of four partitions stays unleased; the deployment balancer
/// needs a fixed list of silo names and waits a maturity period (2 minutes) before it moves anything.
/// Every silo computes the same answer from the same membership view; while views differ (for the
/// seconds a membership change takes to spread) a partition may be read by two silos, which the
/// processor's sequence-number check delivers once, or by none, which only delays it.
/// </summary>
internal sealed partial class ProcessorQueueBalancer : QueueBalancerBase
{
    /// <summary>
    /// How often silo metadata is looked at again besides membership changes: a silo's role is known
    /// only once its metadata is fetched, a moment after it became active, and that raises no event.
    /// </summary>
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    private readonly ClusterRoles _roles;
    private readonly TimeProvider _time;
    private readonly string _provider;
    private readonly CheckpointHolds? _holds;
    private Func<QueueId, string>? _partitionOf;
    private readonly Lock _lock = new();
    private List<QueueId> _allQueues = [];
    private List<QueueId> _myQueues = [];
    private List<SiloAddress> _receiverSilos = [];
    private Task _recheck = Task.CompletedTask;

    private ProcessorQueueBalancer(IServiceProvider services, string provider)
        : base(services, services.GetRequiredService<ILogger<ProcessorQueueBalancer>>())
    {
        _roles = services.GetRequiredService<ClusterRoles>();
        _time = services.GetRequiredService<TimeProvider>();
        _provider = provider;
        _holds = provider == PipelineStreams.ProviderName ? services.GetService<CheckpointHolds>() : null;
    }

    /// <summary>Factory for <c>ConfigurePartitionBalancing</c>.</summary>
    public static IStreamQueueBalancer Create(IServiceProvider services, string provider) => new ProcessorQueueBalancer(services, provider);

    public override async Task Initialize(IStreamQueueMapper queueMapper)
    {
        ArgumentNullException.ThrowIfNull(queueMapper);
        _allQueues = queueMapper.GetAllQueues().OrderBy(static queue => queue.ToString(), StringComparer.Ordinal).ToList();
        // Event Hubs queues are partitions: the processors learn which silo reads theirs (ICheckpointHolds.ReaderOf).
        _partitionOf = queueMapper is HashRingBasedPartitionedStreamQueueMapper partitioned ? partitioned.QueueToPartition : null;
        Recompute();
        await base.Initialize(queueMapper);
        _recheck = RecheckAsync();
    }

    public override async Task Shutdown()
    {
        await base.Shutdown();
        await _recheck;
    }

    public override IEnumerable<QueueId> GetMyQueues()
    {
        lock (_lock)
        {
            return _myQueues;
        }
    }

    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos)
    {
        if (Recompute())
        {
            _ = NotifyListeners();
        }
    }

    private async Task RecheckAsync()
    {
        using var timer = new PeriodicTimer(RecheckInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(Cancellation))
            {
                if (Recompute())
                {
                    await NotifyListeners();
                }
            }
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            // Shutting down: the pulling manager stops the receivers itself.
        }
    }

    /// <summary>Recomputes this silo's share; true when it changed.</summary>
    private bool Recompute()
    {
        var silos = _roles.ActiveReceiverSilos();
        var position = silos.IndexOf(SiloAddress);
        var mine = position < 0 ? [] : _allQueues.Where((_, index) => index % silos.Count == position).ToList();
        lock (_lock)
        {
            if (silos.SequenceEqual(_receiverSilos) && mine.SequenceEqual(_myQueues))
            {
                return false;
            }

            _receiverSilos = silos;
            _myQueues = mine;
        }

        if (_holds is not null && _partitionOf is not null)
        {
            var readers = silos.Count == 0
                ? new Dictionary<string, SiloAddress>()
                : _allQueues.Select((queue, index) => (Partition: _partitionOf(queue), Silo: silos[index % silos.Count])).ToDictionary(static r => r.Partition, static r => r.Silo, StringComparer.Ordinal);
            _holds.ReadBy(readers, SiloAddress);
        }

        LogShare(Logger, _provider, mine.Count, _allQueues.Count, mine, silos.Count, silos);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream provider {Provider}: this silo reads {Count} of {Total} queues [{Queues}]; receiver silos ({SiloCount}): {Silos}")]
    private static partial void LogShare(ILogger logger, string provider, int count, int total, List<QueueId> queues, int siloCount, List<SiloAddress> silos);
}
