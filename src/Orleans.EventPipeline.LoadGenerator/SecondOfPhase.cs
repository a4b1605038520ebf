namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>One second of a phase (<see cref="PhaseResult.Seconds"/>): ACKed requests, those over <see cref="PhaseResult.SlowAck"/>, the slowest.</summary>
internal readonly record struct SecondOfPhase(int Requests, int Slow, TimeSpan Slowest);
