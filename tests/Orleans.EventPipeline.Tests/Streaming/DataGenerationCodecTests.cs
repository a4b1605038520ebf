using System.Text;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// The data generation a raw batch and its dead letters were admitted under, across Event Hubs: the processors and the
/// dead-letter grain drop those of a generation a delete removed, so a generation lost on the way archives them.
/// </summary>
public sealed class DataGenerationCodecTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RawBatch_RoundTrip_KeepsTheGeneration_OrNoneFromAnEarlierBuild(bool stamped)
    {
        var generation = stamped ? Guid.NewGuid() : (Guid?)null;
        var body = new byte[] { 1, 0, 0, 0, (byte)'x' };
        var batch = new RawEventBatch("tenant", Guid.NewGuid(), DateTimeOffset.FromUnixTimeMilliseconds(1_764_960_000_000), EventKind.Text, 0, 1, body)
        {
            DataGeneration = generation,
        };

        var data = RawBatchCodec.ToEventData(batch, PipelineStreams.Raw);
        var read = RawBatchCodec.FromMessage(data.Properties, data.EventBody.ToMemory());

        Assert.Equal(generation, read.DataGeneration);
        Assert.Equal(stamped, data.Properties.ContainsKey(StreamMessageFormat.DataGenerationProperty));
    }

    [Fact]
    public void DeadLetters_RoundTrip_KeepTheGeneration()
    {
        var generation = Guid.NewGuid();
        var batch = new DeadLetterBatch("tenant", Guid.NewGuid(), DateTimeOffset.FromUnixTimeMilliseconds(1_764_960_000_000), "normalize",
            [new DeadLetter(0, "no parser accepted it", Encoding.UTF8.GetBytes("line"))])
        {
            DataGeneration = generation,
        };

        var data = DeadLetterCodec.ToEventData(batch, "tenant-deadletter");
        var read = DeadLetterCodec.FromMessage(data.Properties, data.EventBody.ToMemory());

        Assert.Equal(generation, read.DataGeneration);
    }

    [Theory]
    [InlineData("not a generation")]
    [InlineData(42)]
    public void AGenerationPropertyThatIsNotOne_ReadsAsNone(object value)
    {
        // Another client's message: handled as an unstamped batch of an earlier build, not a reason to fail its partition.
        var properties = new Dictionary<string, object> { [StreamMessageFormat.DataGenerationProperty] = value };

        Assert.Null(StreamMessageFormat.ReadDataGeneration(properties));
    }
}
