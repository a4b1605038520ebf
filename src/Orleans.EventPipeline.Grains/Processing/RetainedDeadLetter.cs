namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>One kept dead letter: enough to show it and to run it through the stages again.</summary>
/// <param name="Index">The event's index in its request; with <paramref name="BatchId"/> it is the event id.</param>
[GenerateSerializer, Immutable]
public sealed record RetainedDeadLetter(
    [property: Id(0)] Guid BatchId,
    [property: Id(1)] int Index,
    [property: Id(2)] DateTimeOffset IngestTime,
    [property: Id(3)] string Stage,
    [property: Id(4)] string Reason,
    [property: Id(5)] byte[] Raw);
