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

    /// <summary>The tenant a stream key belongs to.</summary>
    public static string TenantOf(string streamKey)
    {
        ArgumentNullException.ThrowIfNull(streamKey);
        var hash = streamKey.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? streamKey : streamKey[..hash];
    }
}
