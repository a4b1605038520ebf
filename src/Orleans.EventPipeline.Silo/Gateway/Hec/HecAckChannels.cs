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
/// Since an id not held here is answered true, a channel or an ack with no request in flight can be dropped
/// without changing any answer: that is what keeps the caps below from being held by one tenant or one client.
/// </summary>
public sealed class HecAckChannels(TimeProvider timeProvider, IOptions<PipelineOptions> options)
{
    private readonly ConcurrentDictionary<(string Tenant, Guid Channel), Channel> _channels = new();
    // Channels are added and dropped under _gate, which also guards the counts; a channel's acks under its own lock.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);
    private int _count;
    private readonly int _maxChannels = options.Value.Shippers.HecMaxChannels;
    private readonly int _maxPerTenant = options.Value.Shippers.HecMaxChannelsPerTenant;
    private readonly TimeSpan _ackExpiry = options.Value.Shippers.HecAckExpiry;
    private readonly TimeSpan _idleChannel = options.Value.Shippers.HecIdleChannel;

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
    /// The next ack id of the channel, in flight; false with the reason, for HEC's "server is busy", when the channel
    /// holds <see cref="MaxAcksPerChannel"/> unread acks, or when it is new and its tenant, or the gateway, holds its most channels.
    /// </summary>
    public bool TryIssue(string tenant, Guid channel, out long id, [NotNullWhen(false)] out string? busy)
    {
        id = 0;
        busy = null;
        var key = (tenant, channel);
        while (true)
        {
            if (!_channels.TryGetValue(key, out var state))
            {
                lock (_gate)
                {
                    if (!_channels.TryGetValue(key, out state))
                    {
                        if (!TryMakeRoom(tenant, out busy))
                        {
                            return false;
                        }

                        // Used now: an idle sweep before the lock below must not take it back.
                        state = new Channel { LastUsed = timeProvider.GetUtcNow() };
                        _channels[key] = state;
                        _held[tenant] = _held.GetValueOrDefault(tenant) + 1;
                        _count++;
                    }
                }
            }

            lock (state)
            {
                if (state.Dropped)
                {
                    // Dropped for room between the lookup and this lock: the channel starts again.
                    continue;
                }

                var now = timeProvider.GetUtcNow();
                state.LastUsed = now;
                if (state.Acks.Count >= MaxAcksPerChannel)
                {
                    state.DropAnsweredBefore(now - _ackExpiry);
                }

                if (state.Acks.Count >= MaxAcksPerChannel)
                {
                    busy = $"The channel holds {MaxAcksPerChannel} acks nobody has read ({ShipperOptions.SectionName}:{nameof(ShipperOptions.HecMaxAcksPerChannel)}) in the last {_ackExpiry.TotalSeconds:0} s ({ShipperOptions.SectionName}:{nameof(ShipperOptions.HecAckExpiry)}); query /services/collector/ack, then send again.";
                    return false;
                }

                id = state.Next++;
                state.Acks[id] = null;
                state.InFlight++;
                return true;
            }
        }
    }

    /// <summary>
    /// The request with ack <paramref name="id"/> ended: <paramref name="answered"/> when its answer is a 2xx carrying
    /// the id (kept unread for <see cref="ShipperOptions.HecAckExpiry"/>, true), else the id is forgotten (a client
    /// that was not given it never asks, so keeping it would only fill the channel).
    /// </summary>
    public void Complete(string tenant, Guid channel, long id, bool answered)
    {
        if (!_channels.TryGetValue((tenant, channel), out var state))
        {
            return;
        }

        lock (state)
        {
            state.InFlight--;
            if (answered)
            {
                state.Acks[id] = timeProvider.GetUtcNow();
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
                    durable = !state.Acks.TryGetValue(id, out var answeredAt) || answeredAt is not null;
                    if (durable)
                    {
                        state.Acks.Remove(id);
                    }
                }
            }

            answer[id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = durable;
        }

        return answer;
    }

    // Under _gate. The tenant's own cap first: a tenant at it waits for its own channels to idle, and takes nothing
    // from the others. Then the gateway's: idle channels go, and else the tenant holding the most gives up its least
    // recently used channel with nothing in flight to a tenant holding at least two fewer (so no two trade one back and forth).
    private bool TryMakeRoom(string tenant, [NotNullWhen(false)] out string? busy)
    {
        busy = null;
        if (_held.GetValueOrDefault(tenant) >= _maxPerTenant)
        {
            DropIdle(tenant);
            if (_held.GetValueOrDefault(tenant) >= _maxPerTenant)
            {
                busy = $"The tenant holds its most ack channels ({_maxPerTenant}, {ShipperOptions.SectionName}:{nameof(ShipperOptions.HecMaxChannelsPerTenant)}), none unused for {_idleChannel} ({ShipperOptions.SectionName}:{nameof(ShipperOptions.HecIdleChannel)}); send on a channel in use, or without one.";
                return false;
            }
        }

        if (_count >= _maxChannels)
        {
            DropIdle(null);
            if (_count >= _maxChannels && !TakeFromLargest(tenant))
            {
                busy = $"The gateway holds its most ack channels ({_maxChannels}, {ShipperOptions.SectionName}:{nameof(ShipperOptions.HecMaxChannels)}), none unused for {_idleChannel} ({ShipperOptions.SectionName}:{nameof(ShipperOptions.HecIdleChannel)}) and each tenant's at most as many as this one's; send on a channel in use, or without one.";
                return false;
            }
        }

        return true;
    }

    private void DropIdle(string? tenant)
    {
        var before = timeProvider.GetUtcNow() - _idleChannel;
        foreach (var (key, state) in _channels)
        {
            if (tenant is null || key.Tenant == tenant)
            {
                TryDrop(key, state, before);
            }
        }
    }

    /// <summary>
    /// Drops the least recently used channel with nothing in flight of the tenant that holds the most such channels among
    /// those holding at least two more than <paramref name="tenant"/>. Not only the largest holder's: one whose channels
    /// were all in flight (slow uploads) kept a newcomer out while others held channels that could go (helper-113).
    /// </summary>
    private bool TakeFromLargest(string tenant)
    {
        var mine = _held.GetValueOrDefault(tenant);
        (string Tenant, Guid Channel) oldest = default;
        Channel? oldestState = null;
        var oldestHeld = 0;
        foreach (var (key, state) in _channels)
        {
            var held = _held.GetValueOrDefault(key.Tenant);
            if (held < mine + 2 || state.InFlight > 0)
            {
                continue;
            }

            if (oldestState is null || held > oldestHeld || (held == oldestHeld && state.LastUsed < oldestState.LastUsed))
            {
                (oldest, oldestState, oldestHeld) = (key, state, held);
            }
        }

        return oldestState is not null && TryDrop(oldest, oldestState, DateTimeOffset.MaxValue);
    }

    // Under _gate: drops the channel if nothing is in flight on it and it was last used before `before`.
    private bool TryDrop((string Tenant, Guid Channel) key, Channel state, DateTimeOffset before)
    {
        lock (state)
        {
            if (state.InFlight > 0 || state.LastUsed >= before)
            {
                return false;
            }

            state.Dropped = true;
        }

        _channels.TryRemove(key, out _);
        _count--;
        if (--_held[key.Tenant] == 0)
        {
            _held.Remove(key.Tenant);
        }

        return true;
    }

    private sealed class Channel
    {
        public long Next;
        public int InFlight;
        public bool Dropped;
        public DateTimeOffset LastUsed;

        /// <summary>Each unread id: null while its request is in flight, else when its answer was given.</summary>
        public readonly Dictionary<long, DateTimeOffset?> Acks = [];

        public void DropAnsweredBefore(DateTimeOffset before)
        {
            foreach (var (id, answeredAt) in Acks)
            {
                if (answeredAt < before)
                {
                    Acks.Remove(id);
                }
            }
        }
    }
}
