using System.Text;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Durability;

/// <summary>
/// The promise behind every 200 of the pipeline: the emulator settles a transfer Accepted only after the
/// fsync of every byte it stored. Seen from the real SDK producer, against storage that records the order
/// of writes, fsyncs and acknowledgements.
/// </summary>
public sealed class AckAfterFsyncTests
{
    // 20 ms per fsync: an acknowledgement sent before the fsync returns reaches the client well before it.
    private static readonly TimeSpan FsyncDuration = TimeSpan.FromMilliseconds(20);

    [Fact]
    public async Task SendAsync_ConcurrentProducers_EveryAckFollowsTheFsyncOfEveryByteOfItsEvents()
    {
        var storage = new RecordingSegmentFileFactory(FsyncDuration);
        await using TestEmulator emulator = await TestEmulator.StartAsync(partitionCount: 2, files: storage);
        const int producers = 4;
        const int batches = 6;
        var sent = new List<byte[]>();

        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            await using var producer = new EventHubProducerClient(emulator.ConnectionString);
            for (var b = 0; b < batches; b++)
            {
                // Unique, and long enough that no other bytes of the log can contain it by chance.
                var payloads = Enumerable.Range(0, 1 + (b % 3))
                    .Select(e => Encoding.UTF8.GetBytes($"producer-{p}-batch-{b}-event-{e}-{Guid.NewGuid():N}-{new string('x', 500 * e)}"))
                    .ToArray();
                await producer.SendAsync(payloads.Select(static bytes => new EventData(bytes)), new SendEventOptions { PartitionId = (p % 2).ToString(System.Globalization.CultureInfo.InvariantCulture) });
                storage.RecordAcknowledged(payloads);
                lock (sent)
                {
                    sent.AddRange(payloads);
                }
            }
        })));

        var operations = storage.Operations;
        Assert.Equal(producers * batches * 2, sent.Count);
        foreach (var payload in sent)
        {
            var write = Assert.Single(operations, o => o.Kind == "write" && o.Bytes.AsSpan().IndexOf(payload) >= 0);
            var ack = Assert.Single(operations, o => o.Kind == "ack" && o.Bytes.AsSpan().SequenceEqual(payload));
            var fsync = operations.FirstOrDefault(o => o.Kind == "fsync" && o.Path == write.Path && o.Order > write.Order);
            Assert.True(
                fsync is not null && fsync.Order < ack.Order,
                $"The send of \"{Encoding.UTF8.GetString(payload)[..40]}…\" was acknowledged (step {ack.Order}) before its bytes, written at step {write.Order} to {write.Path} at byte {write.Offset}, were fsync'd ({(fsync is null ? "never" : $"step {fsync.Order}")}).");
        }
    }
}
