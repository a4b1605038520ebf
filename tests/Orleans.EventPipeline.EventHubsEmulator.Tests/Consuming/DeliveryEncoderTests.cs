using System.Runtime.InteropServices;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Orleans.EventPipeline.EventHubsEmulator.Consuming;
using Orleans.EventPipeline.EventHubsEmulator.Log;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Consuming;

public sealed class DeliveryEncoderTests
{
    [Fact]
    public void Encode_PublisherMessage_KeepsSectionsAndAddsSystemAnnotations()
    {
        AmqpMessage published = AmqpMessage.Create(new Data { Value = new ArraySegment<byte>("body"u8.ToArray()) });
        published.MessageAnnotations.Map["x-opt-partition-key"] = "key-1";
        published.ApplicationProperties.Map["tenant"] = "t1";
        published.Properties.MessageId = "m-1";
        byte[] stored = Encoded(published);
        DateTimeOffset enqueued = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        var metrics = new PartitionLogInfo(0, 9, 8192, enqueued, false);

        ReadOnlyMemory<byte> delivered = DeliveryEncoder.Encode(7, 4096, enqueued, stored, metrics, enqueued);

        Assert.True(MemoryMarshal.TryGetArray(delivered, out ArraySegment<byte> segment));
        AmqpMessage decoded = AmqpMessage.CreateAmqpStreamMessage(new BufferListStream([segment]));
        decoded.Deserialize(SectionFlag.All);
        Assert.Equal("key-1", decoded.MessageAnnotations.Map["x-opt-partition-key"]);
        Assert.Equal(7L, decoded.MessageAnnotations.Map["x-opt-sequence-number"]);
        Assert.Equal("4096", decoded.MessageAnnotations.Map["x-opt-offset"]);
        Assert.Equal(enqueued.UtcDateTime, decoded.MessageAnnotations.Map["x-opt-enqueued-time"]);
        Assert.Equal(9L, decoded.DeliveryAnnotations.Map["last_enqueued_sequence_number"]);
        Assert.Equal("8192", decoded.DeliveryAnnotations.Map["last_enqueued_offset"]);
        Assert.Equal("t1", decoded.ApplicationProperties.Map["tenant"]);
        Assert.Equal("m-1", decoded.Properties.MessageId.ToString());
        Assert.Equal("body"u8.ToArray(), ((ArraySegment<byte>)Assert.Single(decoded.DataBody).Value).ToArray());
    }

    private static byte[] Encoded(AmqpMessage message)
    {
        using var stream = new MemoryStream();
        foreach (ArraySegment<byte> segment in message.GetPayload())
        {
            stream.Write(segment);
        }

        return stream.ToArray();
    }
}
