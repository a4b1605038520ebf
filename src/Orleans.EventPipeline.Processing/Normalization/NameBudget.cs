namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// The characters of attribute names one event may build from names around them: a JSON object's name goes before
/// every field inside it (<c>user.id</c>), an RFC 5424 SD-ID before every parameter (<c>sd.{id}.{name}</c>). A long name
/// over many fields multiplies: one event of 262 KB (a 130,000-character name over 16,500 fields) built 2 billion
/// characters of names, and the silo ran out of memory at every restart while it retried the batch (helper-110).
/// Past the budget the event fails alone, a dead letter with its raw bytes.
/// </summary>
public struct NameBudget
{
    /// <summary>
    /// 2,097,152 characters (4 MiB of strings): about eight times the largest event the gateway takes (256 KiB) written
    /// out as names, which an event's fields nested four deep over every field would need; a log event needs far less.
    /// </summary>
    public const int MaxCharacters = 2 * 1024 * 1024;

    private long _used;

    /// <summary>Counts a name of <paramref name="length"/> characters; false once the event's names pass <see cref="MaxCharacters"/>.</summary>
    public bool TryTake(int length)
    {
        _used += length;
        return _used <= MaxCharacters;
    }

    /// <summary>The end of a failure message naming the budget and <paramref name="outer"/>, the name that multiplied (cut to 64 characters).</summary>
    public static string Exceeded(string outer) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"its field names, each written out with the name around it, come to more than {MaxCharacters:N0} characters (\"{(outer.Length > 64 ? outer[..64] + "…" : outer)}\", {outer.Length:N0} characters, is written before each field inside it); shorten that name or nest less.");
}
