namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// Names an operator gives (a tenant's display name, a key's name): NUL, BEL or a line break is nothing a name needs, and
/// they break the logs, headers and pages that show it; a text-direction override makes a name read as another on
/// those pages (U+202E turns "yek-yrammus" into something else), U+2028 is a line break to JavaScript, and a zero-width
/// space makes "acme\u200B" a second tenant that looks like "acme".
/// </summary>
public static class PrintableText
{
    /// <summary>
    /// The index of the first character a name cannot hold, or -1: a control character (<see cref="char.IsControl(char)"/>),
    /// a line or paragraph separator (U+2028, U+2029), a text-direction mark, embedding, override or isolate
    /// (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), an invisible space or word joiner (U+200B, U+2060, U+FEFF),
    /// or half of a surrogate pair without the other half. Joiners (U+200C, U+200D) stay: emoji sequences and some scripts need them.
    /// </summary>
    public static int FirstControlCharacter(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsControl(c) || char.IsSurrogate(c) || IsSeparatorOrDirection(c) || IsInvisible(c))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The 400 message for <paramref name="member"/>'s character at <paramref name="at"/> that <see cref="FirstControlCharacter"/> found.</summary>
    public static string ControlCharacterProblem(string member, string text, int at) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{member} has {Kind(text[at])} (U+{(int)text[at]:X4} at position {at + 1}): use printable text on one line.");

    private static bool IsSeparatorOrDirection(char c) =>
        c is '\u2028' or '\u2029' or '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private static bool IsInvisible(char c) => c is '\u200B' or '\u2060' or '\uFEFF';

    private static string Kind(char c) => c switch
    {
        _ when char.IsControl(c) => "a control character",
        '\u2028' or '\u2029' => "a line separator",
        _ when char.IsSurrogate(c) => "a lone surrogate",
        _ when IsInvisible(c) => "an invisible character",
        _ => "a text-direction character",
    };
}
