using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Silo.Gateway.Hec;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>The caps of HEC's ack channels, from their settings: channels and unread acks per channel.</summary>
public sealed class HecAckChannelsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void NewChannelPastTheCap_BusyNamingTheSetting_UntilOneIsIdle()
    {
        var acks = Channels(maxChannels: 2, maxAcksPerChannel: 5);
        Guid first = Guid.NewGuid(), second = Guid.NewGuid(), third = Guid.NewGuid();

        Assert.True(acks.TryIssue("t", first, out _, out _));
        Assert.True(acks.TryIssue("t", second, out _, out _));
        var refused = acks.TryIssue("t", third, out _, out var busy);
        // A channel in use still takes requests.
        Assert.True(acks.TryIssue("t", first, out var next, out _));
        _time.Advance(HecAckChannels.IdleChannel + TimeSpan.FromSeconds(1));
        var afterIdle = acks.TryIssue("t", third, out _, out _);

        Assert.False(refused);
        Assert.Contains("(2, Pipeline:Shippers:HecMaxChannels)", busy, StringComparison.Ordinal);
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
        acks.Complete("t", channel, first, durable: true);

        var refused = acks.TryIssue("t", channel, out _, out var busy);
        Assert.True(acks.Query("t", channel, [first])["0"]);
        var afterRead = acks.TryIssue("t", channel, out _, out _);

        Assert.False(refused);
        Assert.Contains("holds 2 acks nobody has read (Pipeline:Shippers:HecMaxAcksPerChannel)", busy, StringComparison.Ordinal);
        Assert.True(afterRead);
        Assert.Equal(64 + (2 * 21), acks.MaxQueryBytes);
    }

    [Fact]
    public void Settings_OutOfRange_EachNamedWithItsRange()
    {
        var failures = new Silo.Gateway.Shippers.ShipperOptions { HecMaxChannels = 0, HecMaxAcksPerChannel = 2_000_000 }.Validate(11111, 30000).ToList();

        Assert.Equal(
            ["Pipeline:Shippers:HecMaxChannels is 0: use 1 to 1000000.", "Pipeline:Shippers:HecMaxAcksPerChannel is 2000000: use 1 to 1000000."],
            failures);
    }

    private HecAckChannels Channels(int maxChannels, int maxAcksPerChannel) => new(_time, Options.Create(new PipelineOptions
    {
        Shippers = new Silo.Gateway.Shippers.ShipperOptions { HecMaxChannels = maxChannels, HecMaxAcksPerChannel = maxAcksPerChannel },
    }));
}
