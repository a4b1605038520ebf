using System.Text;
using System.Text.Json;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// The property names a parser has read, handed out again instead of a new string per event and name: a
/// source's events repeat the same few dozen names. A fixed table of <see cref="Slots"/> names of ASCII up to
/// <see cref="MaxNameBytes"/> bytes, found by a hash of the name's bytes, the latest name winning its slot:
/// bounded whatever names arrive, and safe to share between threads (a slot is one reference, read and
/// written whole; a lost race costs one string).
/// </summary>
internal sealed class PropertyNames
{
    /// <summary>256 slots: several times the names of a typical source, 2 KB of references.</summary>
    public const int Slots = 256;

    /// <summary>Longer names are read as they come: at most 256 × 64 characters kept per parser.</summary>
    public const int MaxNameBytes = 64;

    private readonly string?[] _slots = new string?[Slots];

    /// <summary>The name at <paramref name="reader"/>'s current property, as <see cref="Utf8JsonReader.GetString"/> would read it.</summary>
    public string Read(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxNameBytes)
        {
            return reader.GetString()!;
        }

        var utf8 = reader.ValueSpan;
        var hash = new HashCode();
        hash.AddBytes(utf8);
        ref var slot = ref _slots[(uint)hash.ToHashCode() % Slots];
        var known = slot;
        // Equal only when both are ASCII: the bytes are then valid UTF-8, as GetString would have checked.
        if (known is not null && Ascii.Equals(utf8, known))
        {
            return known;
        }

        var name = reader.GetString()!;
        if (Ascii.IsValid(utf8))
        {
            // Only names that can match again take a slot: a non-ASCII name would only push out an ASCII one.
            slot = name;
        }

        return name;
    }
}
