using System.Buffers.Binary;
using System.Text;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Testing;

/// <summary>Events framed as the gateway frames them for the raw stream (docs/STREAM-FORMAT.md): a 4-byte length, then the bytes.</summary>
internal static class GatewayFrames
{
    public static byte[] Of(IEnumerable<string> events)
    {
        var encoded = events.Select(Encoding.UTF8.GetBytes).ToArray();
        var frames = new byte[encoded.Sum(static e => EventFrames.PrefixBytes + e.Length)];
        var at = 0;
        foreach (var bytes in encoded)
        {
            BinaryPrimitives.WriteInt32LittleEndian(frames.AsSpan(at), bytes.Length);
            bytes.CopyTo(frames, at + EventFrames.PrefixBytes);
            at += EventFrames.PrefixBytes + bytes.Length;
        }

        return frames;
    }
}
