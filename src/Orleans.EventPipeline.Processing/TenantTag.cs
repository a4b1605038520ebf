using System.Collections.Concurrent;

namespace Orleans.EventPipeline.Processing;

/// <summary>
/// The <c>tenant</c> tag of every pipeline metric, bounded: the first <see cref="Cap"/> distinct tenants a
/// process records keep their own value, every later one is reported as <see cref="Other"/>. A time-series
/// database keeps one series per tag value, so a million tenants must not become a million series.
/// </summary>
/// <remarks>
/// Process-wide, like the meters it tags. A tenant keeps its slot until the process restarts, deleted or
/// not. <see cref="Other"/> cannot be a tenant's own id: an administrator's tenant ids never start with '_', and the
/// silos' own (<c>_warmup</c>) is another name.
/// </remarks>
public static class TenantTag
{
    public const string Name = "tenant";

    /// <summary>The value of every tenant over the cap.</summary>
    public const string Other = "_other";

    /// <summary>Distinct tenant values a process reports by default; a Prometheus series per tenant and instrument.</summary>
    public const int DefaultCap = 1000;

    private static readonly KeyValuePair<string, object?> OtherTag = new(Name, Other);
    private static readonly ConcurrentDictionary<string, KeyValuePair<string, object?>> Known = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static int _count;

    /// <summary>Distinct tenants reported under their own value; set once at start.</summary>
    public static int Cap { get; set; } = DefaultCap;

    /// <summary>
    /// True when <paramref name="tenantId"/> is reported under its own value: it has a slot, or the cap still has
    /// room for it. False for a tenant whose figures go to <see cref="Other"/>.
    /// </summary>
    public static bool IsTracked(string tenantId)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        return Known.ContainsKey(tenantId) || Volatile.Read(ref _count) < Cap;
    }

    /// <summary>The tag for <paramref name="tenantId"/>: its own value while the cap has room, else <see cref="Other"/>. Allocates only for a tenant's first record.</summary>
    public static KeyValuePair<string, object?> For(string tenantId)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        if (Known.TryGetValue(tenantId, out var tag))
        {
            return tag;
        }

        if (Volatile.Read(ref _count) >= Cap)
        {
            // Full: no lock for the tenants over the cap, which may be most of them.
            return OtherTag;
        }

        lock (Gate)
        {
            if (Known.TryGetValue(tenantId, out tag))
            {
                return tag;
            }

            if (_count >= Cap)
            {
                return OtherTag;
            }

            tag = new KeyValuePair<string, object?>(Name, tenantId);
            Known[tenantId] = tag;
            Volatile.Write(ref _count, _count + 1);
            return tag;
        }
    }
}
