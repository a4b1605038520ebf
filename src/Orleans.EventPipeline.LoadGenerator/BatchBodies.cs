using System.Buffers.Binary;
using System.Text;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>NDJSON request bodies of realistic-looking security events, built once before the run.</summary>
internal static class BatchBodies
{
    /// <summary>A few distinct bodies so the run does not post one identical buffer forever.</summary>
    public static byte[][] Create(int batchEvents, int eventBytes, int variants = 8)
    {
        var bodies = new byte[variants][];
        for (var v = 0; v < variants; v++)
        {
            var builder = new StringBuilder(batchEvents * (eventBytes + 1));
            for (var i = 0; i < batchEvents; i++)
            {
                var head = $"{{\"ts\":\"2026-11-26T10:{v:00}:{i % 60:00}.{i % 1000:000}Z\",\"host\":\"web-{i % 17}\",\"user\":\"user{i % 101}\",\"action\":\"login\",\"src_ip\":\"10.{v}.{i % 250}.{i % 7}\",\"msg\":\"";
                var pad = Math.Max(0, eventBytes - head.Length - 2);
                builder.Append(head).Append('x', pad).Append("\"}").Append('\n');
            }

            bodies[v] = Encoding.UTF8.GetBytes(builder.ToString());
        }

        return bodies;
    }

    /// <summary>A body's events as the ingest grain writes them to Event Hubs: each line, length-prefixed (docs/STREAM-FORMAT.md).</summary>
    public static byte[] Frames(byte[] ndjson)
    {
        var lines = ndjson.AsSpan().TrimEnd((byte)'\n');
        var count = lines.Count((byte)'\n') + 1;
        // Each line loses its newline and gains a prefix.
        var frames = new byte[lines.Length - (count - 1) + (count * EventFrames.PrefixBytes)];
        var written = 0;
        foreach (var range in lines.Split((byte)'\n'))
        {
            var line = lines[range];
            BinaryPrimitives.WriteInt32LittleEndian(frames.AsSpan(written), line.Length);
            line.CopyTo(frames.AsSpan(written + EventFrames.PrefixBytes));
            written += EventFrames.PrefixBytes + line.Length;
        }

        return frames;
    }
}
