namespace Orleans.EventPipeline.EventHubsEmulator.Amqp;

/// <summary>
/// A link address split into its parts: <c>/{hub}</c>, <c>/{hub}/Partitions/{p}</c> or
/// <c>/{hub}/ConsumerGroups/{cg}/Partitions/{p}</c>; the leading slash and a scheme and host are
/// optional, segments are URL-decoded and keywords compared case-insensitively.
/// </summary>
internal readonly record struct EntityAddress(string Hub, string? ConsumerGroup, string? PartitionId)
{
    public static bool TryParse(string? address, out EntityAddress entity)
    {
        entity = default;
        if (string.IsNullOrEmpty(address))
        {
            return false;
        }

        string path = Uri.TryCreate(address, UriKind.Absolute, out Uri? uri) && uri.Scheme.StartsWith("amqp", StringComparison.OrdinalIgnoreCase)
            ? uri.AbsolutePath
            : address;
        string[] segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < segments.Length; i++)
        {
            segments[i] = Uri.UnescapeDataString(segments[i]);
        }

        switch (segments.Length)
        {
            case 1:
                entity = new EntityAddress(segments[0], null, null);
                return true;
            case 3 when Is(segments[1], "Partitions"):
                entity = new EntityAddress(segments[0], null, segments[2]);
                return true;
            case 5 when Is(segments[1], "ConsumerGroups") && Is(segments[3], "Partitions"):
                entity = new EntityAddress(segments[0], segments[2], segments[4]);
                return true;
            default:
                return false;
        }
    }

    private static bool Is(string segment, string keyword) => segment.Equals(keyword, StringComparison.OrdinalIgnoreCase);
}
