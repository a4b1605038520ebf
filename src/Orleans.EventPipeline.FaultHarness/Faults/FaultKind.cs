namespace Orleans.EventPipeline.FaultHarness.Faults;

/// <summary>The faults the harness injects, by their command-line names.</summary>
public enum FaultKind
{
    /// <summary>kill -9 a silo, start it again after a short, seeded downtime.</summary>
    KillSilo,

    /// <summary>kill -9 the Event Hubs emulator, start it again on the same data.</summary>
    KillEmulator,

    /// <summary>SIGSTOP a silo for a few seconds, then SIGCONT.</summary>
    PauseSilo,

    /// <summary>SIGSTOP the emulator for a few seconds, then SIGCONT.</summary>
    PauseEmulator,

    /// <summary>Fill the emulator's data disk for a few seconds, then free it.</summary>
    DiskFull,
}
