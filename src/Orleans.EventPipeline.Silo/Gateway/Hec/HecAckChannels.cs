using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Silo.Gateway.Shippers;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Gateway.Hec;

/// <summary>
/// HEC indexer acknowledgment: each request on a channel (<c>X-Splunk-Request-Channel</c> or <c>channel</c>)
/// gets the channel's next ack id when it is admitted, and is false while its request is in flight. The id
/// reaches the client only in the 200 of a request whose batch is durable, so every id a client can ask about
/// whose request is not in flight here is durable: true, also once read (forgotten, as HEC does), after a restart
/// of this gateway, and on another gateway. Answering false there would have a client with acknowledgment on
/// send acknowledged events again, and without an Idempotency-Key they would be stored twice.
/// </summary>
public sealed class HecAckChannels(TimeProvider timeProvider, IOptions<PipelineOptions> options)
{
    /// <summary>How long an unused channel is kept once the channel cap is reached, as HEC's channel cleanup does.</summary>
    public static readonly TimeSpan IdleChannel = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<(string Tenant, Guid Channel), Channel> _channels = new();
    private readonly int _maxChannels = options.Value.Shippers.HecMaxChannels;

    /// <summary>Acks a channel keeps unread at most (<see cref="ShipperOptions.HecMaxAcksPerChannel"/>), and ids an ack query may name.</summary>
    public int MaxAcksPerChannel { get; } = options.Value.Shippers.HecMaxAcksPerChannel;

    /// <summary>
    /// Largest ack query body, in bytes: <c>{"acks":[…]}</c> with <see cref="MaxAcksPerChannel"/> ids of up to
    /// 20 characters (a long) and a comma each, and 64 bytes for the rest and whitespace.
    /// </summary>
    public int MaxQueryBytes => 64 + (MaxAcksPerChannel * 21);

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

    /// <summary>
    /// The next ack id of the channel, pending; false with the reason, for HEC's "server is busy", when the channel
    /// holds <see cref="MaxAcksPerChannel"/> unread acks, or when it is new and the gateway holds its most channels.
    /// </summary>
    public bool TryIssue(string tenant, Guid channel, out long id, [NotNullWhen(false)] out string? busy)
    {
        id = 0;
        busy = null;
        var key = (tenant, channel);
        if (!_channels.TryGetValue(key, out var state))
        {
            if (_channels.Count >= _maxChannels)
            {
                DropIdle();
                if (_channels.Count >= _maxChannels)
                {
                    busy = $"The gateway holds its most ack channels ({_maxChannels}, {ShipperOptions.SectionName}:{nameof(ShipperOptions.HecMaxChannels)}), none unused for {IdleChannel.TotalMinutes:0} minutes; send on a channel in use, or without one.";
                    return false;
                }
            }

            state = _channels.GetOrAdd(key, static _ => new Channel());
        }

        lock (state)
        {
            state.LastUsed = timeProvider.GetUtcNow();
            if (state.Acks.Count >= MaxAcksPerChannel)
            {
                busy = $"The channel holds {MaxAcksPerChannel} acks nobody has read ({ShipperOptions.SectionName}:{nameof(ShipperOptions.HecMaxAcksPerChannel)}); query /services/collector/ack, then send again.";
                return false;
            }

            id = state.Next++;
            state.Acks[id] = false;
            return true;
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

    /// <summary>The status of each id: false only while its request is in flight here; true ones are forgotten once answered.</summary>
    public Dictionary<string, bool> Query(string tenant, Guid channel, IEnumerable<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var answer = new Dictionary<string, bool>(StringComparer.Ordinal);
        _channels.TryGetValue((tenant, channel), out var state);
        foreach (var id in ids)
        {
            var durable = true;
            if (state is not null)
            {
                lock (state)
                {
                    state.LastUsed = timeProvider.GetUtcNow();
                    if (!state.Acks.TryGetValue(id, out durable) || durable)
                    {
                        durable = true;
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
