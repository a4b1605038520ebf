using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Silo.Gateway.Hec;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>The caps of HEC's ack channels, from their settings: channels of the gateway and of a tenant, and unread acks per channel.</summary>
public sealed class HecAckChannelsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void NewChannelPastTheCap_BusyNamingTheSetting_UntilOneIsIdleForItsSetting()
    {
        // The idle time is a setting (before: 10 minutes fixed).
        var acks = Channels(maxChannels: 2, maxAcksPerChannel: 5, idleChannel: TimeSpan.FromMinutes(2));
        Guid first = Guid.NewGuid(), second = Guid.NewGuid(), third = Guid.NewGuid();

        // Two tenants of one channel each: neither holds more than the other, so neither gives one up.
        Assert.True(acks.TryIssue("a", first, out var firstId, out _));
        Assert.True(acks.TryIssue("b", second, out var secondId, out _));
        acks.Complete("b", second, secondId, answered: true);
        var refused = acks.TryIssue("a", third, out _, out var busy);
        // A channel in use still takes requests.
        Assert.True(acks.TryIssue("a", first, out var next, out _));
        acks.Complete("a", first, firstId, answered: true);
        acks.Complete("a", first, next, answered: true);
        _time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        var beforeIdle = acks.TryIssue("a", third, out _, out _);
        _time.Advance(TimeSpan.FromSeconds(2));
        var afterIdle = acks.TryIssue("a", third, out _, out _);

        Assert.False(refused);
        Assert.Contains("(2, Pipeline:Shippers:HecMaxChannels), none unused for 00:02:00 (Pipeline:Shippers:HecIdleChannel)", busy, StringComparison.Ordinal);
        Assert.False(beforeIdle);
        Assert.Equal(1, next);
        Assert.True(afterIdle);
    }

    [Fact]
    public void ChannelFullOfUnreadAcks_BusyNamingTheSetting_UntilTheClientReadsOne()
    {
        var acks = Channels(maxChannels: 10, maxAcksPerChannel: 2);
        var channel = Guid.NewGuid();
        Assert.True(acks.TryIssue("t", channel, out var first, out _));
        Assert.True(acks.TryIssue("t", channel, out _, out _));
        acks.Complete("t", channel, first, answered: true);

        var refused = acks.TryIssue("t", channel, out _, out var busy);
        Assert.True(acks.Query("t", channel, [first])["0"]);
        var afterRead = acks.TryIssue("t", channel, out _, out _);

        Assert.False(refused);
        Assert.Contains("holds 2 acks nobody has read (Pipeline:Shippers:HecMaxAcksPerChannel)", busy, StringComparison.Ordinal);
        Assert.True(afterRead);
        Assert.Equal(64 + (2 * 21), acks.MaxQueryBytes);
    }

    /// <summary>
    /// Before, the gateway's cap was all there was: a tenant holding it kept every other tenant from a new channel.
    /// Now a tenant holding fewer takes the least recently used channel with nothing in flight of the tenant holding the
    /// most; dropping it changes no answer (a settled id is true, held or not), and an in-flight one is never taken.
    /// </summary>
    [Fact]
    public void GatewayFull_OfOneTenantsChannels_AnotherTenantTakesItsLeastRecentlyUsedSettledOne()
    {
        var acks = Channels(maxChannels: 3, maxAcksPerChannel: 5, maxChannelsPerTenant: 3);
        Guid oldest = Guid.NewGuid(), settled = Guid.NewGuid(), inFlight = Guid.NewGuid();
        Assert.True(acks.TryIssue("t1", inFlight, out var pending, out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(acks.TryIssue("t1", oldest, out var first, out _));
        acks.Complete("t1", oldest, first, answered: true);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(acks.TryIssue("t1", settled, out var second, out _));
        acks.Complete("t1", settled, second, answered: true);

        var other = acks.TryIssue("t2", Guid.NewGuid(), out _, out _);
        // The flooding tenant holds 2 now, the other 1: one more of its own is no fairer, so it is refused.
        var floodAgain = acks.TryIssue("t1", Guid.NewGuid(), out _, out var busy);

        Assert.True(other);
        Assert.False(floodAgain);
        Assert.Contains("(3, Pipeline:Shippers:HecMaxChannels)", busy, StringComparison.Ordinal);
        Assert.True(acks.Query("t1", oldest, [first])["0"]);
        Assert.False(acks.Query("t1", inFlight, [pending])["0"]);
        // The taken channel starts again; the one in flight kept its ids.
        Assert.True(acks.TryIssue("t1", inFlight, out var next, out _));
        Assert.Equal(1, next);
    }

    // Only the first tenant holding the most was looked at: with every one of its channels in flight (slow uploads), a
    // newcomer was busy while another tenant as large held a channel that could go (helper-113).
    [Fact]
    public void GatewayFull_TheLargestHoldersChannelsAllInFlight_TakesFromAnotherAsLarge()
    {
        var acks = Channels(maxChannels: 4, maxAcksPerChannel: 5, maxChannelsPerTenant: 2);
        Assert.True(acks.TryIssue("slow", Guid.NewGuid(), out _, out _));
        Assert.True(acks.TryIssue("slow", Guid.NewGuid(), out _, out _));
        Guid settled = Guid.NewGuid(), later = Guid.NewGuid();
        Assert.True(acks.TryIssue("idle", settled, out var first, out _));
        acks.Complete("idle", settled, first, answered: true);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(acks.TryIssue("idle", later, out var second, out _));
        acks.Complete("idle", later, second, answered: true);

        var newcomer = acks.TryIssue("new", Guid.NewGuid(), out _, out var busy);

        Assert.True(newcomer, busy);
        // The idle tenant's least recently used channel went; its other one kept its ids.
        Assert.True(acks.TryIssue("idle", later, out var next, out _));
        Assert.Equal(1, next);
    }

    [Fact]
    public void TenantAtItsOwnCap_BusyNamingIt_AnotherTenantStillGetsAChannel()
    {
        var acks = Channels(maxChannels: 10, maxAcksPerChannel: 5, maxChannelsPerTenant: 2);
        Assert.True(acks.TryIssue("t1", Guid.NewGuid(), out _, out _));
        Assert.True(acks.TryIssue("t1", Guid.NewGuid(), out _, out _));

        var third = acks.TryIssue("t1", Guid.NewGuid(), out _, out var busy);
        var other = acks.TryIssue("t2", Guid.NewGuid(), out _, out _);

        Assert.False(third);
        Assert.Contains("(2, Pipeline:Shippers:HecMaxChannelsPerTenant)", busy, StringComparison.Ordinal);
        Assert.True(other);
    }

    /// <summary>
    /// Before, an answered ack was kept until the client read it: a client whose 200s were lost (a timeout) never reads
    /// them, and its channel was "server is busy" until the gateway restarted. An ack in flight does not expire: its
    /// answer is false, and dropping it would make it true.
    /// </summary>
    [Fact]
    public void UnreadAnsweredAcks_ExpireAfterTheSetting_InFlightOnesDoNot()
    {
        var acks = Channels(maxChannels: 10, maxAcksPerChannel: 2, ackExpiry: TimeSpan.FromMinutes(1));
        Guid answered = Guid.NewGuid(), pending = Guid.NewGuid();
        for (var i = 0; i < 2; i++)
        {
            Assert.True(acks.TryIssue("t", answered, out var id, out _));
            acks.Complete("t", answered, id, answered: true);
            Assert.True(acks.TryIssue("t", pending, out _, out _));
        }

        var beforeExpiry = acks.TryIssue("t", answered, out _, out var busy);
        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var afterExpiry = acks.TryIssue("t", answered, out var next, out _);
        var stillPending = acks.TryIssue("t", pending, out _, out _);

        Assert.False(beforeExpiry);
        Assert.Contains("in the last 60 s (Pipeline:Shippers:HecAckExpiry)", busy, StringComparison.Ordinal);
        Assert.True(afterExpiry);
        Assert.Equal(2, next);
        Assert.False(stillPending);
        Assert.False(acks.Query("t", pending, [0])["0"]);
    }

    [Fact]
    public void NewSettings_OutOfRange_EachNamedWithItsRange()
    {
        var failures = new Silo.Gateway.Shippers.ShipperOptions { HecMaxChannels = 100, HecMaxChannelsPerTenant = 101, HecIdleChannel = TimeSpan.FromDays(2), HecAckExpiry = TimeSpan.Zero }.Validate(11111, 30000).ToList();

        Assert.Equal(
            [
                "Pipeline:Shippers:HecMaxChannelsPerTenant is 101: use 1 to Pipeline:Shippers:HecMaxChannels (100).",
                "Pipeline:Shippers:HecIdleChannel is 2.00:00:00: use 00:00:01 to 1.00:00:00.",
                "Pipeline:Shippers:HecAckExpiry is 00:00:00: use 00:00:01 to 1.00:00:00.",
            ],
            failures);
    }

    [Fact]
    public void Settings_OutOfRange_EachNamedWithItsRange()
    {
        var failures = new Silo.Gateway.Shippers.ShipperOptions { HecMaxChannels = 0, HecMaxAcksPerChannel = 2_000_000 }.Validate(11111, 30000).ToList();

        Assert.Equal(
            ["Pipeline:Shippers:HecMaxChannels is 0: use 1 to 1000000.", "Pipeline:Shippers:HecMaxAcksPerChannel is 2000000: use 1 to 1000000."],
            failures);
    }

    private HecAckChannels Channels(int maxChannels, int maxAcksPerChannel, int? maxChannelsPerTenant = null, TimeSpan? ackExpiry = null, TimeSpan? idleChannel = null)
    {
        var shippers = new Silo.Gateway.Shippers.ShipperOptions { HecMaxChannels = maxChannels, HecMaxChannelsPerTenant = maxChannelsPerTenant ?? maxChannels, HecMaxAcksPerChannel = maxAcksPerChannel };
        if (ackExpiry is { } expiry)
        {
            shippers.HecAckExpiry = expiry;
        }

        if (idleChannel is { } idle)
        {
            shippers.HecIdleChannel = idle;
        }

        return new(_time, Options.Create(new PipelineOptions { Shippers = shippers }));
    }
}
