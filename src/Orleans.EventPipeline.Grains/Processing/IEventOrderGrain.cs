using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>The order stage of one tenant stream key, called by the key's processor (and by dead-letter replay).</summary>
public interface IEventOrderGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes one raw batch's processed events. A call again with a <paramref name="position"/> at or before the
    /// last one taken (the processor's redelivery after this call failed) adds nothing and only retries
    /// publishing what was released; null (a replay) is always added.
    /// </summary>
    Task AddAsync(long? position, IReadOnlyList<NormalizedEvent> events);

    /// <summary>
    /// Drops what the stage holds and has not published (its reorder buffer, released events waiting for room), for a
    /// delete that removes the tenant's data; its processor calls it. Returns the events dropped.
    /// </summary>
    Task<int> DropAsync();
}
