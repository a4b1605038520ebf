using System.Collections.Concurrent;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Durability;

/// <summary>
/// Kills the standalone emulator with SIGKILL while producers write, tears the tail of the last
/// segment, restarts it on the same data and checks that every acknowledged event survived.
/// </summary>
public sealed class CrashRecoveryTests
{
    private const int Producers = 4;
    private const int AcknowledgedBeforeKill = 300;

    [Fact]
    public async Task Restart_AfterKillMidStreamAndTornTail_AcknowledgedEventsReadExactlyOnceInOrder()
    {
        using var data = new TempDirectory();
        var acknowledged = new ConcurrentDictionary<int, int>();
        int totalAcknowledged = 0;

        await using (EmulatorProcess child = await EmulatorProcess.StartAsync(data.Path))
        {
            Task[] producers = [.. Enumerable.Range(0, Producers).Select(p => Task.Run(() => ProduceUntilFailureAsync(child.ConnectionString, p, acknowledged, () => Interlocked.Increment(ref totalAcknowledged))))];
            DateTimeOffset deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
            while (Volatile.Read(ref totalAcknowledged) < AcknowledgedBeforeKill && DateTimeOffset.UtcNow < deadline && !producers.Any(static t => t.IsCompleted))
            {
                await Task.Delay(10);
            }

            Assert.True(Volatile.Read(ref totalAcknowledged) >= AcknowledgedBeforeKill, "The producers did not get far enough before the kill.");
            await child.KillAsync();
            await Task.WhenAll(producers);
        }

        var random = new Random(20261126);
        AppendTornRecord(SegmentFiles.Last(data.Path, "0"), random, copyRealRecord: true);
        AppendTornRecord(SegmentFiles.Last(data.Path, "1"), random, copyRealRecord: false);

        await using EmulatorProcess restarted = await EmulatorProcess.StartAsync(data.Path);
        await using var producer = new EventHubProducerClient(restarted.ConnectionString);
        foreach (string partition in (string[])["0", "1"])
        {
            long last = (await producer.GetPartitionPropertiesAsync(partition)).LastEnqueuedSequenceNumber;
            List<EventData> stored = await EventReading.ReadAsync(restarted.ConnectionString, partition, EventPosition.Earliest, (int)(last + 1));
            Assert.Equal(Enumerable.Range(0, (int)(last + 1)).Select(static i => (long)i), stored.Select(static e => e.SequenceNumber));

            foreach (IGrouping<int, EventData> byProducer in stored.GroupBy(static e => (int)e.Properties["producer"]))
            {
                int[] indexes = [.. byProducer.Select(static e => (int)e.Properties["index"])];
                Assert.Equal(Enumerable.Range(0, indexes.Length), indexes);
                Assert.True(indexes.Length >= acknowledged.GetValueOrDefault(byProducer.Key), $"Producer {byProducer.Key} had {acknowledged[byProducer.Key]} acknowledged events but {indexes.Length} were read back.");
            }

            foreach (int p in Enumerable.Range(0, Producers).Where(p => p % 2 == int.Parse(partition, System.Globalization.CultureInfo.InvariantCulture)))
            {
                Assert.True(acknowledged.GetValueOrDefault(p) == 0 || stored.Any(e => (int)e.Properties["producer"] == p), $"Producer {p}'s events are missing.");
            }

            await producer.SendAsync([new EventData("after-restart")], new SendEventOptions { PartitionId = partition });
            EventData next = Assert.Single(await EventReading.ReadAsync(restarted.ConnectionString, partition, EventPosition.FromSequenceNumber(last, isInclusive: false), 1));
            Assert.Equal(last + 1, next.SequenceNumber);
            Assert.Equal("after-restart", EventReading.Text(next));
        }
    }

    /// <summary>Sends numbered events one by one (each awaited) until the emulator goes away.</summary>
    private static async Task ProduceUntilFailureAsync(string connectionString, int producerId, ConcurrentDictionary<int, int> acknowledged, Action onAcknowledged)
    {
        var options = new EventHubProducerClientOptions { RetryOptions = new EventHubsRetryOptions { MaximumRetries = 0, TryTimeout = TimeSpan.FromSeconds(10) } };
        await using var producer = new EventHubProducerClient(connectionString, options);
        var send = new SendEventOptions { PartitionId = (producerId % 2).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        for (int index = 0; ; index++)
        {
            var data = new EventData(new byte[200 + (index % 300)]);
            data.Properties["producer"] = producerId;
            data.Properties["index"] = index;
            try
            {
                await producer.SendAsync([data], send);
            }
            catch (Exception exception) when (exception is EventHubsException or TimeoutException or OperationCanceledException or IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                return;
            }

            acknowledged[producerId] = index + 1;
            onAcknowledged();
        }
    }

    /// <summary>Appends what a crash mid-append leaves: a prefix of a real record, or garbage.</summary>
    private static void AppendTornRecord(string segmentFile, Random random, bool copyRealRecord)
    {
        byte[] existing = File.ReadAllBytes(segmentFile);
        byte[] tail = copyRealRecord && existing.Length > 1
            ? existing[..random.Next(1, Math.Min(existing.Length, 400))]
            : RandomBytes(random, random.Next(1, 300));
        using var stream = new FileStream(segmentFile, FileMode.Append, FileAccess.Write);
        stream.Write(tail);
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        byte[] bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
