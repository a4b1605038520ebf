using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Log;

namespace Orleans.EventPipeline.EventHubsEmulator.Hubs;

/// <summary>Every configured hub with its open partition logs, laid out as <c>{dataDir}/{hub}/{partition}/</c>.</summary>
internal sealed class HubRegistry : IAsyncDisposable
{
    public const string DefaultConsumerGroup = "$Default";

    private readonly Dictionary<string, EventHubEntity> _hubs;

    private HubRegistry(Dictionary<string, EventHubEntity> hubs) => _hubs = hubs;

    public static async Task<HubRegistry> OpenAsync(EmulatorOptions options, IPartitionLogOpener opener, CancellationToken cancellationToken)
    {
        var hubs = new Dictionary<string, EventHubEntity>(StringComparer.OrdinalIgnoreCase);
        var opened = new List<IPartitionLog>();
        try
        {
            foreach ((string name, EventHubDefinition definition) in options.Hubs)
            {
                string hubDirectory = Path.Combine(Path.GetFullPath(options.DataDirectory), name);
                Directory.CreateDirectory(hubDirectory);
                RefuseChangedPartitionCount(name, hubDirectory, definition.PartitionCount);
                var partitions = new PartitionEntity[definition.PartitionCount];
                for (int i = 0; i < partitions.Length; i++)
                {
                    string id = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    IPartitionLog log = await opener.OpenAsync(Path.Combine(hubDirectory, id), cancellationToken).ConfigureAwait(false);
                    opened.Add(log);
                    partitions[i] = new PartitionEntity(name, id, log);
                }

                var groups = new HashSet<string>(definition.ConsumerGroups, StringComparer.OrdinalIgnoreCase) { DefaultConsumerGroup };
                hubs[name] = new EventHubEntity(name, new DateTimeOffset(Directory.GetCreationTimeUtc(hubDirectory), TimeSpan.Zero), partitions, groups);
            }

            return new HubRegistry(hubs);
        }
        catch
        {
            // Logs opened before the failure hold file handles; release them before reporting it.
            foreach (IPartitionLog log in opened)
            {
                await log.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// A partition key's partition is its hash modulo the count, and positions are per partition: with
    /// another count, keys move to partitions whose sequence numbers their readers never saw, so a
    /// consumer that remembers positions (the pipeline's processors) would skip or mix them.
    /// </summary>
    private static void RefuseChangedPartitionCount(string hub, string hubDirectory, int partitionCount)
    {
        var onDisk = Directory.EnumerateDirectories(hubDirectory)
            .Count(static directory => int.TryParse(Path.GetFileName(directory), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _));
        if (onDisk > 0 && onDisk != partitionCount)
        {
            throw new EmulatorDataMismatchException(
                $"Hub '{hub}' has {onDisk} partitions in {hubDirectory}, but its PartitionCount is {partitionCount}. Partition keys would move to other partitions " +
                $"and readers that keep positions would skip or mix their events: set PartitionCount back to {onDisk}, or start on a new data directory.");
        }
    }

    public bool TryGetHub(string name, out EventHubEntity hub) => _hubs.TryGetValue(name, out hub!);

    /// <summary>Every partition of every hub.</summary>
    public IEnumerable<PartitionEntity> Partitions => _hubs.Values.SelectMany(static hub => hub.Partitions);

    /// <summary>Closes every log, even when closing one fails; then throws what failed, if anything.</summary>
    public async ValueTask DisposeAsync()
    {
        List<Exception>? failures = null;
        foreach (PartitionEntity partition in Partitions)
        {
            try
            {
                await partition.Log.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                (failures ??= []).Add(new IOException($"Closing the log of '{partition.Path}' failed: {exception.Message}", exception));
            }
        }

        if (failures is not null)
        {
            throw new AggregateException(failures);
        }
    }
}
