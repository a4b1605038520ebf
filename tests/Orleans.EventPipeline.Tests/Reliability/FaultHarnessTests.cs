using Orleans.EventPipeline.FaultHarness;
using Orleans.EventPipeline.FaultHarness.Faults;
using Xunit.Abstractions;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Reliability;

/// <summary>
/// The fault harness's short run (README "Fault harness"): Azurite, the standalone emulator and a silo as
/// real processes, four tenants posting with idempotency keys, and one round of every fault — kill -9 of the
/// silo and of the emulator, SIGSTOP of each, the emulator's disk filled — plus bad input to every endpoint.
/// The 30-minute run with the same tool is in docs/RELIABILITY.md.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class FaultHarnessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ShortRun_EveryFaultKind_EveryAcknowledgedEventArchivedExactlyOnce()
    {
        using var work = new TempDirectory();
        var options = new HarnessOptions
        {
            Seed = 20261130,
            Duration = TimeSpan.FromSeconds(60),
            FaultInterval = TimeSpan.FromSeconds(3),
            MinimumFaults = Enum.GetValues<FaultKind>().Length,
            EventsPerSecond = 1_000,
            DiskMegabytes = 256,
            // Receiver caches far shorter than the defaults (30 s / 45 s), so that a subscriber held up by a
            // fault falls behind the cache age and the purge guard has to keep what it has not taken.
            SiloSettings = ["Pipeline:StreamCache:MinTimeInCache=00:00:01", "Pipeline:StreamCache:MaxRelativeAge=00:00:03"],
            WorkDirectory = work.Path,
        };

        var report = await FaultRun.RunAsync(options);
        output.WriteLine(report.ToString());

        Assert.True(report.Passed, report.ToString());
        Assert.Equal(Enum.GetValues<FaultKind>().Order(), report.Faults.Select(static f => f.Kind).Distinct().Order());
        Assert.True(report.Tenants.Sum(static t => t.Acknowledged) > 10_000, report.ToString());
        Assert.True(report.Tenants.Sum(static t => t.DeadLetters) > 0, report.ToString());
        Assert.All(report.BadInput, tally => Assert.True(tally.Tried > 0, tally.Endpoint));
    }
}
