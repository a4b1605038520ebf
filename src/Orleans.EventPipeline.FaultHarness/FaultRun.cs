using Orleans.EventPipeline.Administration;
using Azure.Storage.Blobs;
using Orleans.EventPipeline.FaultHarness.Audit;
using Orleans.EventPipeline.FaultHarness.Faults;
using Orleans.EventPipeline.FaultHarness.Hostile;
using Orleans.EventPipeline.FaultHarness.Load;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Testing;

namespace Orleans.EventPipeline.FaultHarness;

/// <summary>
/// One run: start Azurite, the emulator (its data on a disk of its own) and the silos as processes; create
/// the tenants; post the load while injecting faults and bad input; stop the load, let the archive catch
/// up, and audit it against every acknowledgement.
/// </summary>
public static class FaultRun
{
    // The archive container of azure mode (Pipeline:Archive, docs/ARCHITECTURE.md).
    private const string ArchiveContainer = "archive";

    /// <summary>Admin key of every silo the harness starts.</summary>
    private const string AdminKey = "fault-harness-admin-key-0123456789";

    public static async Task<RunReport> RunAsync(HarnessOptions options, CancellationToken cancellationToken = default)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        var runStart = time.GetUtcNow();
        var random = new Random(options.Seed);
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "eventpipeline-faults", $"{options.Seed}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        Console.WriteLine($"fault harness: seed {options.Seed}; logs and data in {work}");

        using var disk = MountDataDisk(options.DiskMegabytes);
        await using var azurite = await AzuriteNode.StartAsync(Path.Combine(work, "azurite"), Path.Combine(work, "azurite.log"), cancellationToken);
        var emulatorData = disk is null ? Path.Combine(work, "eventhubs") : Path.Combine(disk.Path, "log");
        await using var emulator = await EmulatorNode.StartAsync(emulatorData, options.Partitions, Path.Combine(work, "emulator.log"), cancellationToken);
        var services = new AzureServices(azurite.ConnectionString, emulator.ConnectionString, "fault-harness");
        var silos = new List<SiloNode>();
        try
        {
            for (var i = 0; i < options.Silos; i++)
            {
                var name = $"silo{i}";
                silos.Add(await SiloNode.StartAsync(
                    new SiloStart(name, Directory.CreateDirectory(Path.Combine(work, name)).FullName, AdminKey)
                    {
                        Azure = services,
                        LogPath = Path.Combine(work, name + ".log"),
                        Arguments = ["--Logging:LogLevel:Default=Warning", .. options.SiloSettings.Select(static setting => "--" + setting)],
                    },
                    cancellationToken));
            }

            var report = await RunLoadAsync(options, random, silos, emulator, disk, azurite, work, runStart, time, cancellationToken);
            return report with { Elapsed = time.GetElapsedTime(started) };
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>A load tenant's settings: the defaults, but for the shards and the order stage when asked (a null member is not sent).</summary>
    private static object LoadTenantSettings(HarnessOptions options, string tenant) => new
    {
        displayName = tenant,
        shardCount = options.Shards,
        processing = options.Ordering ? new { ordering = new { enabled = true } } : null,
    };

    /// <summary>The emulator's data disk: a tmpfs of its own, so filling it gives the emulator ENOSPC as a full volume would.</summary>
    private static TmpfsMount? MountDataDisk(int megabytes)
    {
        try
        {
            return TmpfsMount.Create(megabytes);
        }
        catch (InvalidOperationException exception)
        {
            Console.Error.WriteLine($"fault harness: the disk-full fault is off for this run: {exception.Message}");
            return null;
        }
    }

    private static async Task<RunReport> RunLoadAsync(
        HarnessOptions options, Random random, List<SiloNode> silos, EmulatorNode emulator, TmpfsMount? disk, AzuriteNode azurite, string work, DateTimeOffset runStart, TimeProvider time, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var next = 0;
        Uri Gateway() => silos[(int)((uint)Interlocked.Increment(ref next) % silos.Count)].Url;

        var settings = new LoadSettings($"run{options.Seed}", options.Tenants, options.LanesPerTenant, options.BatchSize, options.EventsPerSecond, options.BadLineEvery);
        var ledger = new AckLedger();
        var counters = new LoadCounters();
        var clients = new List<TenantClient>();
        for (var t = 0; t < options.Tenants; t++)
        {
            var tenant = $"tenant{t}";
            clients.Add(new TenantClient(tenant, await TenantAdmin.CreateWithKeyAsync(http, silos[0].Url, AdminKey, tenant, LoadTenantSettings(options, tenant), "fault-harness", cancellationToken), Gateway, http, settings, ledger, counters, time));
        }

        var hostile = new HostileTraffic(new Random(options.Seed + 1), http, Gateway, AdminKey, await TenantAdmin.CreateWithKeyAsync(http, silos[0].Url, AdminKey, "hostile", new { displayName = "hostile" }, "fault-harness", cancellationToken), emulator.Port, time);
        var kinds = options.Faults.Where(k => k != FaultKind.DiskFull || disk is not null).ToList();
        var faults = new FaultInjector(random, kinds, options.FaultInterval, options.MinimumFaults, options.RecoveryTimeout, silos, emulator, disk, counters, [.. clients.Select(static c => c.Tenant)], time);

        // Faults stop at the end of the duration; the load goes on until the last one is recovered from, so
        // every fault's recovery is measured under load. A batch in hand is retried until the give-up time.
        using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stopFaults.CancelAfter(options.Duration);
        var load = clients.SelectMany(c => Enumerable.Range(0, options.LanesPerTenant).Select(lane => c.RunAsync(lane, settings.LaneInterval, stopSending.Token, giveUp.Token))).ToList();
        var badInput = options.HostilePace > TimeSpan.Zero ? hostile.RunAsync(options.HostilePace, stopFaults.Token) : Task.CompletedTask;
        await faults.RunAsync(stopFaults.Token);
        await stopFaults.CancelAsync();
        await stopSending.CancelAsync();
        giveUp.CancelAfter(options.RecoveryTimeout);
        await Task.WhenAll(load);
        await badInput;
        Console.WriteLine($"fault harness: load stopped, {ledger.AcceptedEvents:N0} events acknowledged; waiting for the archive");

        var store = await BlobArchiveStore.CreateAsync(new BlobContainerClient(azurite.ConnectionString, ArchiveContainer), cancellationToken);
        var auditor = new ArchiveAuditor(store, http, silos[0].Url, AdminKey, ledger, runStart, time);
        var drained = await auditor.WaitUntilCompleteAsync(options.DrainTimeout, cancellationToken);
        var tenants = await auditor.AuditAsync(cancellationToken);
        var exits = silos.Select(static s => s.Process).Append(emulator.Process).ToDictionary(static p => p.Name, static p => p.UnexpectedExits);
        return new RunReport(
            options,
            TimeSpan.Zero,
            counters.SentEvents,
            counters.Answers,
            counters.TransportFailures,
            clients.Sum(static c => c.Unacknowledged),
            tenants,
            drained,
            faults.Faults,
            exits,
            [.. hostile.Tallies],
            work);
    }
}
