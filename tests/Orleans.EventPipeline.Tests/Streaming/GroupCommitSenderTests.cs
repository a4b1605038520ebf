using System.Diagnostics;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Streaming.EventHubs;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// The writer's group commit with the real SDK against the emulator: writes of one key that arrive while
/// its send is in flight go in few sends, each stored once as its own message in the order written; a
/// write the hub refuses fails alone; and no write is left waiting when the hub is gone.
/// </summary>
public sealed class GroupCommitSenderTests
{
    private const string Key = "Z3JvdXAtY29tbWl0LXNlbmRlci10ZXN0LWtleS0wMQ==";
    private const string PartitionKey = "tenant-a/0";
    private static readonly string[] GroupedNames = ["a", "b", "too big", "c", "d"];

    [Fact]
    public async Task ManyWritesToOneKey_AtOnce_GoInFewSendsEachStoredOnceInOrder()
    {
        await using var hub = await HubAsync();
        using var sends = new SendCounter(hub.Name);
        const int writes = 300;

        var stored = Enumerable.Range(0, writes).Select(i => hub.Sender.SendAsync(new EventData(BitConverter.GetBytes(i)), PartitionKey)).ToArray();
        await Task.WhenAll(stored).WaitAsync(TimeSpan.FromSeconds(60));

        // The first write goes alone at once; the other 299 were written during its send.
        Assert.InRange(sends.Count, 2, 10);
        var read = await hub.ReadAsync(writes);
        Assert.Equal(Enumerable.Range(0, writes), read.Select(static data => BitConverter.ToInt32(data.EventBody.ToArray())));
        Assert.Single(read.Select(static data => data.PartitionKey).Distinct());
    }

    [Fact]
    public async Task GroupWithAMessageOverTheHubsLimit_ThatWriteFailsAlone_TheOthersAreStored()
    {
        await using var hub = await HubAsync();
        var first = hub.Sender.SendAsync(new EventData("first"u8.ToArray()), PartitionKey);
        var grouped = GroupedNames
            .Select(name => hub.Sender.SendAsync(new EventData(name == "too big" ? new byte[Hub.MaxMessageBytes + 1] : System.Text.Encoding.UTF8.GetBytes(name)), PartitionKey))
            .ToArray();

        await first;
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => grouped[2]);
        Assert.Contains("size", refused.Message, StringComparison.OrdinalIgnoreCase);
        await Task.WhenAll(grouped.Where((_, i) => i != 2));
        var read = await hub.ReadAsync(5);
        Assert.Equal(["first", "a", "b", "c", "d"], read.Select(static data => data.EventBody.ToString()));
    }

    [Fact]
    public async Task HubStopped_EveryWaitingWriteFails_NoneHangs()
    {
        await using var hub = await HubAsync();
        await hub.Sender.SendAsync(new EventData("before"u8.ToArray()), PartitionKey);
        await hub.Emulator.StopAsync();

        var writes = Enumerable.Range(0, 20).Select(i => hub.Sender.SendAsync(new EventData(BitConverter.GetBytes(i)), PartitionKey)).ToArray();

        foreach (var write in writes)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => write.WaitAsync(TimeSpan.FromSeconds(120)));
        }

        Assert.All(writes, static write => Assert.True(write.IsFaulted, "a write to a stopped hub did not fail"));
    }

    private static async Task<Hub> HubAsync()
    {
        var data = new TempDirectory();
        var name = "group-" + Guid.NewGuid().ToString("N")[..12];
        var options = new EmulatorOptions { Port = 0, DataDirectory = data.Path, MaxMessageSizeBytes = Hub.MaxMessageBytes };
        options.Hubs[name] = new EventHubDefinition { PartitionCount = 2 };
        options.SharedAccessKeys["RootManageSharedAccessKey"] = Key;
        var emulator = new EventHubsEmulatorServer(options);
        await emulator.StartAsync();
        var client = new EventHubProducerClient(emulator.ConnectionString(name), new EventHubProducerClientOptions
        {
            RetryOptions = new EventHubsRetryOptions { MaximumRetries = 0, TryTimeout = TimeSpan.FromSeconds(10) },
        });
        return new Hub(name, data, emulator, client);
    }

    private sealed class Hub(string name, TempDirectory data, EventHubsEmulatorServer emulator, EventHubProducerClient client) : IAsyncDisposable
    {
        public const int MaxMessageBytes = 64 * 1024;

        public string Name { get; } = name;

        public EventHubsEmulatorServer Emulator { get; } = emulator;

        public GroupCommitSender Sender { get; } = new(client);

        /// <summary>The first <paramref name="count"/> events of the key's partition, from its start.</summary>
        public async Task<List<EventData>> ReadAsync(int count)
        {
            await using var consumer = new EventHubConsumerClient(EventHubConsumerClient.DefaultConsumerGroupName, Emulator.ConnectionString(Name));
            var partitions = await consumer.GetPartitionIdsAsync();
            var read = new List<EventData>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            foreach (var partition in partitions)
            {
                var last = (await consumer.GetPartitionPropertiesAsync(partition)).LastEnqueuedSequenceNumber;
                if (last < 0)
                {
                    continue;
                }

                await foreach (var item in consumer.ReadEventsFromPartitionAsync(partition, EventPosition.Earliest, timeout.Token))
                {
                    read.Add(item.Data);
                    if (item.Data.SequenceNumber >= last)
                    {
                        break;
                    }
                }
            }

            Assert.Equal(count, read.Count);
            return read;
        }

        public async ValueTask DisposeAsync()
        {
            await client.DisposeAsync();
            await Emulator.DisposeAsync();
            data.Dispose();
        }
    }

    /// <summary>The SDK's send spans to one hub, as its activity source reports them (enabled for this test project).</summary>
    private sealed class SendCounter : IDisposable
    {
        private readonly ActivityListener _listener;
        private int _count;

        public SendCounter(string hubName)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = static source => source.Name.StartsWith("Azure.Messaging.EventHubs", StringComparison.Ordinal),
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = span =>
                {
                    if (span.DisplayName.Contains("Send", StringComparison.Ordinal) && span.Tags.Any(tag => tag.Value == hubName))
                    {
                        Interlocked.Increment(ref _count);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
