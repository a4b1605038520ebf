using System.Diagnostics.Metrics;
using System.Net;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Admin.Authentication;

/// <summary>
/// Wrong admin keys, seen by every surface that takes one (the API's bearer, the dashboard's Basic, the /ui sign-in):
/// counted, logged, and, from one client address, refused for a while once too many. The key is at least 16
/// characters, but nothing makes it random; without this a client could try keys as fast as the silo answers (about
/// 20 a second here, helper-115) and nothing said so. Per silo: a cluster of n gateways allows n times as many.
/// A loopback client is counted but never refused: a client on the silo's own machine can read the key from its
/// settings, and the machine's own tools (the fault harness sends wrong keys on purpose) must not lock it out. A
/// request relayed by a proxy is not such a client (<see cref="LoopbackCaller"/>), and behind a proxy the address is
/// the client's only with forwarded headers on (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>).
/// </summary>
public sealed partial class AdminAuthFailures(TimeProvider timeProvider, ILogger<AdminAuthFailures> logger)
{
    /// <summary>Wrong keys one client address may send in <see cref="Window"/>; past it, every try from it is refused until the window ends.</summary>
    public const int MaxFailures = 10;

    /// <summary>How long failures are remembered, and how long an address past <see cref="MaxFailures"/> is refused at most.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>Addresses remembered at most: a flood from many addresses forgets the oldest, never grows without bound.</summary>
    private const int MaxAddresses = 10_000;

    /// <summary>One warning per this at most, with the count since the last: a flood of wrong keys is one line per 10 s, not one per try.</summary>
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    public const string MeterName = "Orleans.EventPipeline.Admin";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "eventpipeline.admin.auth.failures", "{request}", "Requests that presented a wrong admin key, by surface (api, dashboard, ui); a refusal for too many counts too.");

    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, (int Count, DateTimeOffset Since)> _byAddress = [];
    private DateTimeOffset _lastLogged = DateTimeOffset.MinValue;
    private int _unlogged;

    /// <summary>When the client of <paramref name="context"/> may try again, or null while it may try now.</summary>
    public TimeSpan? RetryAfter(HttpContext context)
    {
        var address = Tracked(context);
        if (address is null)
        {
            return null;
        }

        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            return _byAddress.TryGetValue(address, out var failures) && failures.Count >= MaxFailures && now - failures.Since < Window
                ? failures.Since + Window - now
                : null;
        }
    }

    /// <summary>The answer to a client past <see cref="MaxFailures"/>, built from the limits it is about.</summary>
    public static string TooMany(TimeSpan retryAfter) => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"{MaxFailures} wrong admin keys from this address within {Window.TotalSeconds:0} s: every try from it is refused for {RetryAfterHeader.Seconds(retryAfter)} s more, the right key too.");

    /// <summary>Counts a wrong key from the client of <paramref name="context"/> on <paramref name="surface"/>.</summary>
    public void Record(HttpContext context, string surface)
    {
        Failures.Add(1, new KeyValuePair<string, object?>("surface", surface));
        var tracked = Tracked(context);
        var address = context.Connection.RemoteIpAddress;
        int count;
        var since = 0;
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            count = 1;
            if (tracked is not null)
            {
                if (_byAddress.TryGetValue(tracked, out var failures) && now - failures.Since < Window)
                {
                    count = failures.Count + 1;
                    _byAddress[tracked] = (count, failures.Since);
                }
                else
                {
                    Forget(now);
                    _byAddress[tracked] = (1, now);
                }
            }

            _unlogged++;
            if (now - _lastLogged >= LogInterval)
            {
                (_lastLogged, since, _unlogged) = (now, _unlogged, 0);
            }
        }

        if (since > 0)
        {
            LogRefused(logger, surface, address?.ToString() ?? "unknown", count, since, LogInterval.TotalSeconds);
        }
    }

    // The address failures are kept under: IPv4 as IPv4 however it came, IPv6 by its /64 (one host holds a whole /64 to
    // try from); none for a client on the silo's own machine (see the class). A loopback address named by X-Forwarded-For
    // is counted: with forwarded headers on, whoever reaches the port could name 127.0.0.1 to be never refused (helper-121).
    private static IPAddress? Tracked(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        var plain = address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
        if (plain is null || LoopbackCaller.Is(context))
        {
            return null;
        }

        if (plain.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return plain;
        }

        var bytes = plain.GetAddressBytes();
        bytes.AsSpan(8).Clear();
        return new IPAddress(bytes);
    }

    // Under _gate: drops addresses whose window has ended, and at the cap the oldest.
    private void Forget(DateTimeOffset now)
    {
        if (_byAddress.Count < MaxAddresses)
        {
            return;
        }

        foreach (var (address, failures) in _byAddress)
        {
            if (now - failures.Since >= Window)
            {
                _byAddress.Remove(address);
            }
        }

        if (_byAddress.Count >= MaxAddresses)
        {
            _byAddress.Remove(_byAddress.MinBy(static entry => entry.Value.Since).Key);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A wrong admin key on {Surface} from {Address} ({AddressFailures} from it in the last minute); {Refused} wrong admin keys in all since the last such line (one per {IntervalSeconds} s at most)")]
    private static partial void LogRefused(ILogger logger, string surface, string address, int addressFailures, int refused, double intervalSeconds);
}
