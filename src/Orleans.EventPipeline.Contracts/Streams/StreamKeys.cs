namespace Orleans.EventPipeline.Streams;

/// <summary>
/// Stream keys of a tenant. Shard 0 is the tenant id itself; shard n &gt; 0 is "tenant#n". The key is
/// also the Event Hubs partition key, so a tenant's shards spread over the partitions by hash (two shards
/// may share one).
/// </summary>
public static class StreamKeys
{
    public static string ForShard(string tenantId, int shard) =>
        shard == 0 ? tenantId : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{tenantId}#{shard}");

    /// <summary>The shard number of a stream key: 0 for the tenant id itself, n for "tenant#n".</summary>
    public static int ShardOf(string streamKey)
    {
        ArgumentNullException.ThrowIfNull(streamKey);
        var hash = streamKey.IndexOf('#', StringComparison.Ordinal);
        return hash >= 0 && int.TryParse(streamKey.AsSpan(hash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var shard)
            ? shard
            : 0;
    }

    /// <summary>
    /// The shard a keyed batch goes to: fixed by its id, so every retry of it reaches the same shard's ingest
    /// grain and processor, where a repeat is recognised.
    /// </summary>
    public static int ShardOfKeyedBatch(Guid batchId, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        Span<byte> bytes = stackalloc byte[16];
        batchId.TryWriteBytes(bytes);
        return (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes) % (uint)shardCount);
    }

    /// <summary>The tenant a stream key belongs to.</summary>
    public static string TenantOf(string streamKey)
    {
        ArgumentNullException.ThrowIfNull(streamKey);
        var hash = streamKey.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? streamKey : streamKey[..hash];
    }
}
