namespace Orleans.EventPipeline.EventHubsEmulator.Hosting;

/// <summary>The configuration does not fit the data already in the data directory (a hub's partition count changed); a start is refused.</summary>
public sealed class EmulatorDataMismatchException(string message) : InvalidOperationException(message);
