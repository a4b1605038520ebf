using System.IO.Compression;

namespace Orleans.EventPipeline.Client.Batching;

/// <summary>Reads a spooled batch's events back, to hand rejected ones to the caller.</summary>
internal static class BatchBodies
{
    public static List<ReadOnlyMemory<byte>> Events(byte[] body, bool gzip)
    {
        byte[] plain;
        if (gzip)
        {
            using var input = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            plain = output.ToArray();
        }
        else
        {
            plain = body;
        }

        var events = new List<ReadOnlyMemory<byte>>();
        var start = 0;
        for (var i = 0; i < plain.Length; i++)
        {
            if (plain[i] == (byte)'\n')
            {
                events.Add(plain.AsMemory(start, i - start));
                start = i + 1;
            }
        }

        return events;
    }
}
