using System.Text;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>What a dead-letter message keeps across Event Hubs: what the dead-letter grain needs to count each letter once.</summary>
public sealed class DeadLetterCodecTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RoundTrip_KeepsWhetherTheRequestWasKeyed(bool keyed)
    {
        // A keyed request's retry sends its letters again under the same batch id; the grain drops the repeat only for
        // keyed letters, so a flag lost on the way counted them twice (a fault harness run: one line dead-lettered twice).
        var batch = new DeadLetterBatch("tenant", Guid.NewGuid(), DateTimeOffset.FromUnixTimeMilliseconds(1_764_960_000_000), "ingest",
            [new DeadLetter(50, "the line is not valid JSON", Encoding.UTF8.GetBytes("harness line"))])
        {
            Keyed = keyed,
        };

        var data = DeadLetterCodec.ToEventData(batch, "tenant-deadletter");
        var read = DeadLetterCodec.FromMessage(data.Properties, data.EventBody.ToMemory());

        Assert.Equal(keyed, read.Keyed);
        Assert.Equal(batch.RepeatKey, read.RepeatKey);
        Assert.Equal(batch.BatchId, read.BatchId);
        Assert.Null(read.Source);
    }
}
