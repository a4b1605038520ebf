using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Ordering;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>What the order stage reports to its memory budget for events released but not yet published.</summary>
public sealed class PendingPublicationBytesTests
{
    [Fact]
    public void Bytes_EventsReleasedByTheBuffer_CountWhatTheBufferCountedForThem()
    {
        using var services = new ServiceCollection().AddSerializer(static b => b.AddAssembly(typeof(NormalizedEvent).Assembly)).BuildServiceProvider();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var buffer = new ReorderBuffer(
            new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) },
            time,
            NormalizedBatchPublisher.EstimatedBytes,
            services.GetRequiredService<Serializer<NormalizedEvent>>());
        var released = new ReleasedEvents();
        // A second apart, inside the 5 s window: all of them held.
        buffer.AddRange([.. Enumerable.Range(0, 5).Select(NormalizedBatchPublisherTests.Event)], released);
        var held = buffer.HeldBytes;

        buffer.Flush(released);
        var pending = new PendingPublication();
        pending.Add(released);

        Assert.Equal(5, pending.Count);
        Assert.True(held > 5 * ReorderBuffer.PackedOverheadBytes, "the buffer must have held the events serialized");
        Assert.Equal(held, pending.Bytes);
    }

    [Fact]
    public void Bytes_EventsReleasedWhileTheirArrayStillHoldsOthers_CountTheWholeArrayOnce()
    {
        using var services = new ServiceCollection().AddSerializer(static b => b.AddAssembly(typeof(NormalizedEvent).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer<NormalizedEvent>>();
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, new FakeTimeProvider(DateTimeOffset.UnixEpoch), NormalizedBatchPublisher.EstimatedBytes, serializer);
        var batch = Enumerable.Range(0, 5).Select(NormalizedBatchPublisherTests.Event).ToArray();
        var released = new ReleasedEvents();
        buffer.AddRange(batch, released);
        var array = buffer.HeldBytes - (5 * ReorderBuffer.PackedOverheadBytes);

        // Two released early: the array stays resident for the three still held, so the two count it whole.
        Assert.True(buffer.TryReleaseOldest(released));
        Assert.True(buffer.TryReleaseOldest(released));
        var pending = new PendingPublication();
        pending.Add(released);

        Assert.Equal(batch.Sum(e => (long)serializer.SerializeToArray(e).Length), array);
        Assert.Equal(array + (2 * ReorderBuffer.PackedOverheadBytes), pending.Bytes);
        Assert.Equal(array + (3 * ReorderBuffer.PackedOverheadBytes), buffer.HeldBytes);
    }
}
