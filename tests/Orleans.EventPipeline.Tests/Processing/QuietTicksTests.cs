using Orleans.EventPipeline.Grains.Processing;

namespace Orleans.EventPipeline.Tests.Processing;

public sealed class QuietTicksTests
{
    [Fact]
    public void Tick_AfterADelivery_IsNotQuiet_TheNextWithoutOneIs()
    {
        var ticks = default(QuietTicks);
        Assert.True(ticks.Tick(), "a tick with nothing delivered since the start is quiet");

        ticks.Delivered();
        Assert.False(ticks.Tick(), "a batch came during this tick, however empty the buffer is now");
        Assert.True(ticks.Tick(), "no batch since the previous tick");
    }

    [Fact]
    public void Tick_ManyDeliveries_CountAsOne()
    {
        var ticks = default(QuietTicks);
        ticks.Delivered();
        ticks.Delivered();

        Assert.False(ticks.Tick());
        Assert.True(ticks.Tick());
    }
}
