namespace Orleans.EventPipeline.Events;

/// <summary>
/// Events of one tenant stream key on the normalized or ordered stream. On the ordered stream the
/// events are in <see cref="NormalizedEvent.EffectiveTime"/> order, late ones flagged.
/// </summary>
/// <param name="StreamKey">The stream key (tenant shard) the events came from, see <c>StreamKeys</c>.</param>
[GenerateSerializer, Immutable]
public sealed record NormalizedEventBatch(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string StreamKey,
    [property: Id(2)] IReadOnlyList<NormalizedEvent> Events);
