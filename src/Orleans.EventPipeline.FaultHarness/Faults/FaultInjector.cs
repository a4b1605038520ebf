using Orleans.EventPipeline.FaultHarness.Load;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Testing;

namespace Orleans.EventPipeline.FaultHarness.Faults;

/// <summary>
/// Injects one fault at a time and waits for the pipeline to acknowledge every tenant
/// again before the next: so each fault's recovery is measured on its own, and the run cannot pile faults
/// onto a cluster that never recovered. Faults come in rounds that hold every kind once, in an order the
/// seed shuffles, so even a short run tries each kind. The same seed gives the same faults in the same order (their exact
/// instants follow the load, which the machine paces).
/// </summary>
internal sealed class FaultInjector(
    Random random,
    IReadOnlyList<FaultKind> kinds,
    TimeSpan interval,
    int minimumFaults,
    TimeSpan recoveryTimeout,
    IReadOnlyList<SiloNode> silos,
    EmulatorNode emulator,
    TmpfsMount? disk,
    LoadCounters counters,
    IReadOnlyCollection<string> tenants,
    TimeProvider time)
{
    private readonly List<FaultRecord> _faults = [];
    private readonly Queue<FaultKind> _round = new();

    public IReadOnlyList<FaultRecord> Faults => _faults;

    public async Task RunAsync(CancellationToken stop)
    {
        var started = time.GetTimestamp();
        if (kinds.Count == 0)
        {
            return;
        }

        // Past the stop, only to reach the minimum: a slow machine still tries every kind a short run asks for.
        while (!stop.IsCancellationRequested || _faults.Count < minimumFaults)
        {
            // Between half and one and a half intervals, so faults do not beat in step with batch flushes.
            var pause = TimeSpan.FromMilliseconds(interval.TotalMilliseconds * (0.5 + random.NextDouble()));
            if (!await DelayAsync(pause, _faults.Count < minimumFaults ? CancellationToken.None : stop))
            {
                return;
            }

            if (_round.Count == 0)
            {
                var shuffled = kinds.ToArray();
                random.Shuffle(shuffled);
                Array.ForEach(shuffled, _round.Enqueue);
            }

            var kind = _round.Dequeue();
            var at = time.GetElapsedTime(started);
            var (target, duration, lift) = await InjectAsync(kind);

            // Recovery counts from the moment the fault is lifted: a killed process's start-up is part of it.
            var healed = time.GetUtcNow();
            await lift();
            await HealAsync(CancellationToken.None);
            var recovery = await WaitForRecoveryAsync(healed);
            _faults.Add(new FaultRecord(kind, target, at, duration, recovery));
            Console.WriteLine($"fault {_faults.Count}: {kind} {target} at {at.TotalSeconds:N0} s for {duration.TotalSeconds:N1} s, recovered in {(recovery is { } r ? $"{r.TotalSeconds:N1} s" : "NOT within " + recoveryTimeout)}");
            if (recovery is null)
            {
                return;
            }
        }
    }

    private async Task<(string Target, TimeSpan Duration, Func<Task> Lift)> InjectAsync(FaultKind kind)
    {
        // Outages of 0.5-8 s: short ones hit retries in flight, long ones outlast the gateway's 10 s durable-write timeout in part.
        var outage = TimeSpan.FromMilliseconds(500 + random.Next(7_500));
        var begin = time.GetTimestamp();
        switch (kind)
        {
            case FaultKind.KillSilo:
            {
                var silo = silos[random.Next(silos.Count)];
                await silo.Process.KillAsync();
                await Task.Delay(outage, time);
                return (silo.Process.Name, time.GetElapsedTime(begin), () => silo.RestartAsync(CancellationToken.None));
            }

            case FaultKind.KillEmulator:
                await emulator.Process.KillAsync();
                await Task.Delay(outage, time);
                return (emulator.Process.Name, time.GetElapsedTime(begin), () => emulator.RestartAsync(CancellationToken.None));
            case FaultKind.PauseSilo:
            {
                var silo = silos[random.Next(silos.Count)];
                silo.Process.Pause();
                await Task.Delay(outage, time);
                return (silo.Process.Name, time.GetElapsedTime(begin), () => Lifted(silo.Process.Resume));
            }

            case FaultKind.PauseEmulator:
                emulator.Process.Pause();
                await Task.Delay(outage, time);
                return (emulator.Process.Name, time.GetElapsedTime(begin), () => Lifted(emulator.Process.Resume));
            case FaultKind.DiskFull:
                disk!.Fill();
                await Task.Delay(outage, time);
                return ("emulator disk", time.GetElapsedTime(begin), () => Lifted(disk.Free));
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown fault.");
        }
    }

    private static Task Lifted(Action lift)
    {
        lift();
        return Task.CompletedTask;
    }

    /// <summary>A silo the cluster declared dead while it was stopped exits when it resumes; start it again, as its orchestrator would.</summary>
    private async Task HealAsync(CancellationToken cancellationToken)
    {
        if (!emulator.Process.IsRunning)
        {
            await emulator.RestartAsync(cancellationToken);
        }

        foreach (var silo in silos.Where(static s => !s.Process.IsRunning))
        {
            await silo.RestartAsync(cancellationToken);
        }
    }

    private async Task<TimeSpan?> WaitForRecoveryAsync(DateTimeOffset healed)
    {
        var deadline = healed + recoveryTimeout;
        while (!counters.AllAcknowledgedSince(tenants, healed))
        {
            if (time.GetUtcNow() > deadline)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time);
        }

        return time.GetUtcNow() - healed;
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, time, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
