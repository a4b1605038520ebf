using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Grains.Streams;

/// <summary>
/// Cuts dead letters into parts that each fit one Event Hubs message, for the gateway's letters and the
/// processing stages' alike. A letter too big for a message on its own is bounded first, so no single
/// letter can make its stream write fail, and with it, forever, the delivery or request that sends it.
/// </summary>
internal static class DeadLetterChunks
{
    /// <summary>
    /// Longest reason kept, in characters. A parser that quotes the value it could not read would
    /// otherwise put a 250 KB timestamp into the reason; 1,000 characters name the problem.
    /// </summary>
    public const int MaxReasonChars = 1_000;

    /// <summary>Raw bytes kept of one letter, 512 KiB: its base64 (683 KiB) still fits a 1 MB message.</summary>
    public const int MaxRawBytes = 512 * 1024;

    // The dead-letter codec writes base64 (4/3 of the raw bytes), the reason (up to 6 bytes a character
    // when JSON escapes it, e.g. '<' as \u003C) and ~64 bytes of JSON per letter; 900 KB of that leaves
    // room under the 1,048,576-byte message limit for the properties.
    private const int MaxEncodedBytes = 900 * 1024;

    public static IEnumerable<IReadOnlyList<DeadLetter>> Split(IReadOnlyList<DeadLetter> letters)
    {
        ArgumentNullException.ThrowIfNull(letters);
        var part = new List<DeadLetter>();
        var bytes = 0L;
        foreach (var original in letters)
        {
            var letter = Bounded(original);
            var size = ((letter.Raw.Length + 2L) / 3 * 4) + (letter.Reason.Length * 6L) + 64;
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

    /// <summary>The letter with its reason and raw bytes cut to the bounds above; the original size is kept when raw is cut.</summary>
    public static DeadLetter Bounded(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        if (letter.Reason.Length <= MaxReasonChars && letter.Raw.Length <= MaxRawBytes)
        {
            return letter;
        }

        return letter with
        {
            Reason = letter.Reason.Length <= MaxReasonChars ? letter.Reason : string.Concat(letter.Reason.AsSpan(0, MaxReasonChars), "…"),
            Raw = letter.Raw.Length <= MaxRawBytes ? letter.Raw : letter.Raw[..MaxRawBytes],
            OriginalSize = letter.Raw.Length <= MaxRawBytes ? letter.OriginalSize : letter.OriginalSize ?? letter.Raw.Length,
        };
    }
}
