namespace Orleans.EventPipeline.Events;

/// <summary>
/// A finding of a detection grain, written to the tenant's <see cref="EventStreams.Alerts"/> stream on the
/// durable provider (stream key = tenant id).
/// </summary>
/// <param name="Rule">Which detection fired, e.g. <c>failed-logins</c>.</param>
/// <param name="Subject">What the alert is about, e.g. the user name.</param>
/// <param name="FirstEventTime">Event time of the first event that contributed.</param>
/// <param name="LastEventTime">Event time of the event that made the rule fire.</param>
/// <param name="EventIds">Ids of the contributing events, oldest first.</param>
/// <param name="Message">One line for people.</param>
[GenerateSerializer, Immutable]
public sealed record Alert(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string StreamKey,
    [property: Id(2)] string Rule,
    [property: Id(3)] string Subject,
    [property: Id(4)] DateTimeOffset FirstEventTime,
    [property: Id(5)] DateTimeOffset LastEventTime,
    [property: Id(6)] IReadOnlyList<string> EventIds,
    [property: Id(7)] string Message);
