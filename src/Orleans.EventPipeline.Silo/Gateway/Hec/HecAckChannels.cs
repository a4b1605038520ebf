using System.Collections.Concurrent;

namespace Orleans.EventPipeline.Silo.Gateway.Hec;

/// <summary>
/// HEC indexer acknowledgment: each request on a channel (<c>X-Splunk-Request-Channel</c> or <c>channel</c>)
/// gets the channel's next ack id when it is admitted; the id's status turns true only once the gateway's
/// ingest grain reported the batch durable, and stays false for a request that failed. A status read as
/// true is forgotten, as HEC does. Kept in this gateway's memory: behind a load balancer, a client's ack
/// queries must reach the gateway that took its events (HEC's own "sticky sessions" rule).
/// </summary>
public sealed class HecAckChannels(TimeProvider timeProvider)
{
    /// <summary>Channels kept at most; past this, channels idle for <see cref="IdleChannel"/> are dropped.</summary>
    public const int MaxChannels = 100_000;

    /// <summary>Acks a channel keeps unread at most; a request past it is answered "server busy" until the client reads some.</summary>
    public const int MaxAcksPerChannel = 10_000;

    /// <summary>How long an unused channel is kept once <see cref="MaxChannels"/> is reached, as HEC's channel cleanup does.</summary>
    public static readonly TimeSpan IdleChannel = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<(string Tenant, Guid Channel), Channel> _channels = new();

    /// <summary>The channel id of a request: null with no channel, <see cref="Guid.Empty"/> for one that is not a GUID.</summary>
    public static Guid? ChannelOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = request.Headers["X-Splunk-Request-Channel"].ToString();
        if (text.Length == 0)
        {
            text = request.Query["channel"].ToString();
        }

        return text.Length == 0 ? null : Guid.TryParse(text, out var id) && id != Guid.Empty ? id : Guid.Empty;
    }

    /// <summary>The next ack id of the channel, pending; null when the channel holds <see cref="MaxAcksPerChannel"/> unread acks.</summary>
    public long? Issue(string tenant, Guid channel)
    {
        if (_channels.Count >= MaxChannels)
        {
            DropIdle();
        }

        var state = _channels.GetOrAdd((tenant, channel), static _ => new Channel());
        lock (state)
        {
            state.LastUsed = timeProvider.GetUtcNow();
            if (state.Acks.Count >= MaxAcksPerChannel)
            {
                return null;
            }

            var id = state.Next++;
            state.Acks[id] = false;
            return id;
        }
    }

    /// <summary>The request with ack <paramref name="id"/> ended: durable (true from now on), or not (the id is forgotten, false).</summary>
    public void Complete(string tenant, Guid channel, long id, bool durable)
    {
        if (!_channels.TryGetValue((tenant, channel), out var state))
        {
            return;
        }

        lock (state)
        {
            if (durable)
            {
                state.Acks[id] = true;
            }
            else
            {
                state.Acks.Remove(id);
            }
        }
    }

    /// <summary>The status of each id; true ones are forgotten once answered.</summary>
    public Dictionary<string, bool> Query(string tenant, Guid channel, IEnumerable<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var answer = new Dictionary<string, bool>(StringComparer.Ordinal);
        _channels.TryGetValue((tenant, channel), out var state);
        foreach (var id in ids)
        {
            var durable = false;
            if (state is not null)
            {
                lock (state)
                {
                    state.LastUsed = timeProvider.GetUtcNow();
                    if (state.Acks.TryGetValue(id, out durable) && durable)
                    {
                        state.Acks.Remove(id);
                    }
                }
            }

            answer[id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = durable;
        }

        return answer;
    }

    private void DropIdle()
    {
        var before = timeProvider.GetUtcNow() - IdleChannel;
        foreach (var (key, state) in _channels)
        {
            if (state.LastUsed < before)
            {
                _channels.TryRemove(key, out _);
            }
        }
    }

    private sealed class Channel
    {
        public long Next;
        public DateTimeOffset LastUsed;
        public readonly Dictionary<long, bool> Acks = [];
    }
}
