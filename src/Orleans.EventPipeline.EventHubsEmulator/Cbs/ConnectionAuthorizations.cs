using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Azure.Amqp;

namespace Orleans.EventPipeline.EventHubsEmulator.Cbs;

/// <summary>
/// Which hubs each connection has presented a valid token for on <c>$cbs</c>. A producer or
/// consumer link may attach only after that, as the service requires. Entries live as long as
/// their connection (a weak table), so closed connections leave nothing behind.
/// </summary>
internal sealed class ConnectionAuthorizations
{
    private readonly ConditionalWeakTable<AmqpConnection, ConcurrentDictionary<string, byte>> _hubsByConnection = [];

    /// <summary>Records that <paramref name="audience"/> (e.g. <c>amqp://host/events/Partitions/0</c>) was authorized.</summary>
    public void Grant(AmqpConnection connection, string audience)
    {
        string? hub = HubOf(audience);
        if (hub is not null)
        {
            _hubsByConnection.GetOrCreateValue(connection).TryAdd(hub, 0);
        }
    }

    public bool IsAuthorized(AmqpConnection connection, string hub) =>
        _hubsByConnection.TryGetValue(connection, out ConcurrentDictionary<string, byte>? hubs) && hubs.ContainsKey(hub.ToUpperInvariant());

    private static string? HubOf(string audience)
    {
        string path = Uri.TryCreate(audience, UriKind.Absolute, out Uri? uri) ? uri.AbsolutePath : audience;
        string? first = path.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return first is null ? null : Uri.UnescapeDataString(first).ToUpperInvariant();
    }
}
