using Orleans.EventPipeline.FaultHarness.Faults;

namespace Orleans.EventPipeline.FaultHarness;

/// <summary>One run of the harness: the topology, the load, the faults and the deadlines. The command line fills it.</summary>
public sealed record HarnessOptions
{
    public int Seed { get; init; } = 20261130;

    /// <summary>How long the load and the faults run; the drain and the audit come after.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(2);

    public int Tenants { get; init; } = 4;

    /// <summary>Concurrent posting loops per tenant.</summary>
    public int LanesPerTenant { get; init; } = 2;

    public int BatchSize { get; init; } = 100;

    /// <summary>Events per second over all tenants, while the pipeline keeps up.</summary>
    public int EventsPerSecond { get; init; } = 2_000;

    /// <summary>Every n-th batch carries one line that is not JSON, to be dead-lettered once; 0 for none.</summary>
    public int BadLineEvery { get; init; } = 10;

    public int Silos { get; init; } = 1;

    /// <summary>Each load tenant's <c>shardCount</c>; null leaves the tenant's default.</summary>
    public int? Shards { get; init; }

    /// <summary>Whether the load tenants are created with the order stage on.</summary>
    public bool Ordering { get; init; }

    public int Partitions { get; init; } = 4;

    public IReadOnlyList<FaultKind> Faults { get; init; } = Enum.GetValues<FaultKind>();

    /// <summary>Average pause between one fault's recovery and the next fault.</summary>
    public TimeSpan FaultInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Faults to inject even if the duration has passed (the load goes on meanwhile); 0: stop at the duration.</summary>
    public int MinimumFaults { get; init; }

    /// <summary>How long every tenant may go without an ACK after a fault is lifted before the run fails.</summary>
    public TimeSpan RecoveryTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long after the load the archive may take to hold every acknowledged event.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>Pause between two rounds of bad input (one per endpoint); zero for none.</summary>
    public TimeSpan HostilePace { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Size of the emulator's tmpfs data disk; must hold the run's events (about 200 bytes each) with room to spare.</summary>
    public int DiskMegabytes { get; init; } = 1_024;

    /// <summary>
    /// Settings every silo starts with, as <c>Key=Value</c> (e.g. <c>Pipeline:StreamCache:MaxRelativeAge=00:00:02</c>
    /// to make subscribers fall behind the receiver cache often).
    /// </summary>
    public IReadOnlyList<string> SiloSettings { get; init; } = [];

    /// <summary>Where the processes' logs and Azurite's data go, left for reading after the run; a new directory under the temp path when null.</summary>
    public string? WorkDirectory { get; init; }
}
