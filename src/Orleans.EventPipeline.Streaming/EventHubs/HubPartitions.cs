using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.EventHubs;

/// <summary>
/// The partitions of the pipeline's hub and where Event Hubs puts a partition key. Orleans sends every
/// stream's messages with the stream key as the partition key, so the service — not Orleans' own queue
/// mapper, whose hash ring assigns receivers — decides the partition a stream's messages are read from.
/// </summary>
public sealed class HubPartitions(IServiceProvider services)
{
    private string[]? _ids;

    /// <summary>The partition Event Hubs places <paramref name="partitionKey"/> on; null before the provider has read the hub's partitions.</summary>
    public string? PartitionOf(string partitionKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        if ((_ids ??= Load()) is not { Length: > 0 } ids)
        {
            return null;
        }

        var length = Encoding.UTF8.GetByteCount(partitionKey);
        Span<byte> utf8 = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(partitionKey, utf8);
        return ids[PartitionKeyHash.PartitionIndex(utf8, ids.Length)];
    }

    /// <summary>How many partitions the hub has; 0 before the provider has read them.</summary>
    public int Count => (_ids ??= Load())?.Length ?? 0;

    // Partition ids in the service's order ("0", "1", ...): a key's hash indexes into that list.
    private string[]? Load()
    {
        if (services.GetKeyedService<IQueueAdapterFactory>(PipelineStreams.ProviderName)?.GetStreamQueueMapper() is not HashRingBasedPartitionedStreamQueueMapper mapper)
        {
            return null;
        }

        var ids = mapper.GetAllQueues().Select(mapper.QueueToPartition).ToArray();
        return ids.Length == 0 ? null : [.. ids.OrderBy(static id => int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue).ThenBy(static id => id, StringComparer.Ordinal)];
    }
}
