using System.CommandLine;
using System.Globalization;
using Orleans.EventPipeline.FaultHarness;
using Orleans.EventPipeline.FaultHarness.Faults;

// Exit codes: 0 every acknowledged event archived exactly once; 1 a loss, duplicate or other failed check; 2 the harness could not run.
var defaults = new HarnessOptions();
var seed = new Option<int>("--seed") { Description = "Seed of the fault schedule and the bad input; the same seed gives the same faults in the same order.", DefaultValueFactory = _ => defaults.Seed };
var duration = new Option<TimeSpan>("--duration") { Description = "How long the load and the faults run (e.g. 00:02:00, 00:30:00).", DefaultValueFactory = _ => defaults.Duration };
var tenants = new Option<int>("--tenants") { Description = "Tenants posting at once.", DefaultValueFactory = _ => defaults.Tenants };
var lanes = new Option<int>("--lanes") { Description = "Concurrent posting loops per tenant.", DefaultValueFactory = _ => defaults.LanesPerTenant };
var batch = new Option<int>("--batch-size") { Description = "Events per request.", DefaultValueFactory = _ => defaults.BatchSize };
var rate = new Option<int>("--rate") { Description = "Events per second over all tenants.", DefaultValueFactory = _ => defaults.EventsPerSecond };
var badLine = new Option<int>("--bad-line-every") { Description = "Every n-th batch carries a line that is not JSON (0: none).", DefaultValueFactory = _ => defaults.BadLineEvery };
var silos = new Option<int>("--silos") { Description = "Silo processes.", DefaultValueFactory = _ => defaults.Silos };
var partitions = new Option<int>("--partitions") { Description = "Event Hubs partitions.", DefaultValueFactory = _ => defaults.Partitions };
var faults = new Option<FaultKind[]>("--faults") { Description = "Faults to choose from (default: all): " + string.Join(", ", Enum.GetNames<FaultKind>()), AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [.. defaults.Faults] };
var interval = new Option<TimeSpan>("--fault-interval") { Description = "Average pause between a recovery and the next fault.", DefaultValueFactory = _ => defaults.FaultInterval };
var minimum = new Option<int>("--min-faults") { Description = "Faults to inject even past the duration (the load goes on meanwhile).", DefaultValueFactory = _ => defaults.MinimumFaults };
var recovery = new Option<TimeSpan>("--recovery-timeout") { Description = "How long every tenant may go without an ACK after a fault is lifted.", DefaultValueFactory = _ => defaults.RecoveryTimeout };
var drain = new Option<TimeSpan>("--drain-timeout") { Description = "How long the archive may take to catch up after the load.", DefaultValueFactory = _ => defaults.DrainTimeout };
var hostile = new Option<TimeSpan>("--hostile-pace") { Description = "Pause between rounds of bad input to each endpoint (00:00:00: none).", DefaultValueFactory = _ => defaults.HostilePace };
var disk = new Option<int>("--disk-mb") { Description = "Size of the emulator's tmpfs data disk in MiB.", DefaultValueFactory = _ => defaults.DiskMegabytes };
var siloSettings = new Option<string[]>("--silo-setting") { Description = "A setting every silo starts with, as Key=Value (repeatable), e.g. Pipeline:StreamCache:MaxRelativeAge=00:00:02.", DefaultValueFactory = _ => [.. defaults.SiloSettings] };
var shards = new Option<int?>("--shards") { Description = "Each load tenant's shardCount (default: the tenant default)." };
var ordering = new Option<bool>("--ordering") { Description = "Create the load tenants with the order stage on." };
var work = new Option<string?>("--work-dir") { Description = "Where logs and data go (default: a new temporary directory)." };

var command = new RootCommand("Runs the pipeline as real processes on loopback, posts with idempotency keys while injecting seeded faults, and checks that every acknowledged event is archived exactly once.")
{
    seed, duration, tenants, lanes, batch, rate, badLine, silos, shards, ordering, partitions, faults, interval, minimum, recovery, drain, hostile, disk, siloSettings, work,
};
command.SetAction(async (parse, cancellationToken) =>
{
    var options = new HarnessOptions
    {
        Seed = parse.GetValue(seed),
        Duration = parse.GetValue(duration),
        Tenants = parse.GetValue(tenants),
        LanesPerTenant = parse.GetValue(lanes),
        BatchSize = parse.GetValue(batch),
        EventsPerSecond = parse.GetValue(rate),
        BadLineEvery = parse.GetValue(badLine),
        Silos = parse.GetValue(silos),
        Partitions = parse.GetValue(partitions),
        Faults = parse.GetValue(faults)!,
        FaultInterval = parse.GetValue(interval),
        MinimumFaults = parse.GetValue(minimum),
        RecoveryTimeout = parse.GetValue(recovery),
        DrainTimeout = parse.GetValue(drain),
        HostilePace = parse.GetValue(hostile),
        DiskMegabytes = parse.GetValue(disk),
        SiloSettings = parse.GetValue(siloSettings)!,
        WorkDirectory = parse.GetValue(work),
        Shards = parse.GetValue(shards),
        Ordering = parse.GetValue(ordering),
    };
    try
    {
        var report = await FaultRun.RunAsync(options, cancellationToken);
        Console.WriteLine(report);
        return report.Passed ? 0 : 1;
    }
    catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or HttpRequestException)
    {
        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"fault harness: could not run: {exception.Message}"));
        return 2;
    }
});
return await command.Parse(args).InvokeAsync();
