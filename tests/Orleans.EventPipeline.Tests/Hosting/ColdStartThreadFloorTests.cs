using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// The thread-pool floor of a cold silo, on a JIT clock and a pool floor of the test's own (the process's are shared
/// with every other test): up from the start, kept while the JIT is busy, given back after 5 s of a nearly idle JIT
/// or after 2 minutes, and never lowered below what the runtime was configured with.
/// </summary>
public sealed class ColdStartThreadFloorTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task BusyJit_KeepsTheFloor_FiveSecondsUnderFivePercent_GiveThePoolItsOwnBack()
    {
        var silo = new ColdSilo(ownWorkers: 2);
        await silo.Floor.StartAsync(CancellationToken.None);
        Assert.Equal((ColdStartThreadFloor.Threads, 2), silo.Pool);

        // Twenty seconds of a JIT compiling 400 ms a second: cold, the floor stays.
        silo.Run(seconds: 20, jitPerSecond: TimeSpan.FromMilliseconds(400));
        Assert.True(silo.Floor.Raised);

        // 45 ms a second is under 5 % of a core: four seconds of it are not enough, the fifth is.
        silo.Run(seconds: 4, jitPerSecond: TimeSpan.FromMilliseconds(45));
        Assert.Equal(ColdStartThreadFloor.Threads, silo.Pool.Workers);
        silo.Run(seconds: 1, jitPerSecond: TimeSpan.FromMilliseconds(45));
        Assert.Equal((2, 2), silo.Pool);
        Assert.False(silo.Floor.Raised);

        // Given back for good: a busy JIT later does not raise it again.
        silo.Run(seconds: 10, jitPerSecond: TimeSpan.FromMilliseconds(400));
        Assert.Equal((2, 2), silo.Pool);
    }

    [Fact]
    public async Task JitJustOverFivePercent_KeepsTheFloor_UntilTwoMinutes()
    {
        var silo = new ColdSilo(ownWorkers: 2);
        await silo.Floor.StartAsync(CancellationToken.None);

        // 60 ms a second is 6 % of a core: not quiet, so only the two-minute limit gives the floor back.
        silo.Run(seconds: (int)ColdStartThreadFloor.LongestFor.TotalSeconds - 1, jitPerSecond: TimeSpan.FromMilliseconds(60));
        Assert.Equal(ColdStartThreadFloor.Threads, silo.Pool.Workers);
        silo.Run(seconds: 1, jitPerSecond: TimeSpan.FromMilliseconds(60));
        Assert.Equal((2, 2), silo.Pool);
    }

    [Fact]
    public async Task RuntimeConfiguredWithAFloorAsHigh_IsLeftAlone()
    {
        var silo = new ColdSilo(ownWorkers: ColdStartThreadFloor.Threads);
        await silo.Floor.StartAsync(CancellationToken.None);
        Assert.False(silo.Floor.Raised);
        silo.Run(seconds: 10, jitPerSecond: TimeSpan.Zero);
        await silo.Floor.StopAsync(CancellationToken.None);
        Assert.Equal((ColdStartThreadFloor.Threads, 2), silo.Pool);
        Assert.Equal(0, silo.Sets);
    }

    [Fact]
    public async Task HostDisposedWithoutStopping_GivesThePoolItsOwnBack()
    {
        // A host whose start failed after this service's is disposed, not stopped.
        var silo = new ColdSilo(ownWorkers: 2);
        await silo.Floor.StartAsync(CancellationToken.None);
        silo.Floor.Dispose();
        Assert.Equal((2, 2), silo.Pool);
        silo.Run(seconds: 10, jitPerSecond: TimeSpan.Zero);
        Assert.Equal(2, silo.Sets);
    }

    [Fact]
    public async Task SiloStoppedWhileCold_GivesThePoolItsOwnBack()
    {
        var silo = new ColdSilo(ownWorkers: 3);
        await silo.Floor.StartAsync(CancellationToken.None);
        silo.Run(seconds: 3, jitPerSecond: TimeSpan.FromMilliseconds(400));
        await silo.Floor.StopAsync(CancellationToken.None);
        Assert.Equal((3, 2), silo.Pool);
    }

    private sealed class ColdSilo
    {
        private readonly FakeTimeProvider _time = new();
        private TimeSpan _compiled;

        public ColdSilo(int ownWorkers)
        {
            Pool = (ownWorkers, 2);
            Floor = new ColdStartThreadFloor(_time, NullLogger<ColdStartThreadFloor>.Instance, () => _compiled, () => Pool, (workers, completionPorts) =>
            {
                Pool = (workers, completionPorts);
                Sets++;
                return true;
            });
        }

        public ColdStartThreadFloor Floor { get; }

        public (int Workers, int CompletionPorts) Pool { get; private set; }

        public int Sets { get; private set; }

        /// <summary>Seconds go by, the JIT compiling for <paramref name="jitPerSecond"/> in each; the floor checks once a second.</summary>
        public void Run(int seconds, TimeSpan jitPerSecond)
        {
            for (var i = 0; i < seconds; i++)
            {
                _compiled += jitPerSecond;
                _time.Advance(Second);
            }
        }
    }
}
