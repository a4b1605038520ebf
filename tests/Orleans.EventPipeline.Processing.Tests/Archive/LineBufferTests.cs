using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Processing.Tests.Archive;

public sealed class LineBufferTests
{
    private const int Target = 1 << 20;

    [Fact]
    public void Write_PastItsTarget_GrowsByAnEighth_ThenByHalf()
    {
        var buffer = new LineBuffer(64 * 1024, Target);
        var capacities = new List<int>();
        while (buffer.WrittenCount < 16 * Target)
        {
            buffer.GetSpan(1024);
            buffer.Advance(1024);
            if (capacities.Count == 0 || capacities[^1] != buffer.Capacity)
            {
                capacities.Add(buffer.Capacity);
            }
        }

        // 64 KiB doubling to the target, eighths to twice it, then halves: 5 + 8 + 7 sizes.
        Assert.Equal(Target, capacities.First(static c => c >= Target));
        Assert.Equal(Target + (Target / 8), capacities.First(static c => c > Target));
        Assert.InRange(capacities.Count, 10, 24);
    }
}
