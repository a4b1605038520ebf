using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>Cuts dead letters into parts that fit one Event Hubs message each.</summary>
internal static class DeadLetterChunks
{
    // The dead-letter codec writes base64 (4/3 of the raw bytes) plus the reason and ~40 bytes of JSON
    // per letter; 700 KB of that leaves room under the 1 MB message limit for properties.
    private const int MaxEncodedBytes = 700 * 1024;

    public static IEnumerable<IReadOnlyList<DeadLetter>> Split(IReadOnlyList<DeadLetter> letters)
    {
        var part = new List<DeadLetter>();
        var bytes = 0L;
        foreach (var letter in letters)
        {
            var size = (letter.Raw.Length * 4L / 3) + (letter.Reason.Length * 3L) + 64;
            if (part.Count > 0 && bytes + size > MaxEncodedBytes)
            {
                yield return part;
                part = [];
                bytes = 0;
            }

            part.Add(letter);
            bytes += size;
        }

        if (part.Count > 0)
        {
            yield return part;
        }
    }
}
