namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// Names an operator gives (a tenant's display name, a key's name): NUL, BEL or a line break is nothing a name needs, and
/// they break the logs, headers and pages that show it.
/// </summary>
public static class PrintableText
{
    /// <summary>The index of the first control character (<see cref="char.IsControl(char)"/>), or -1.</summary>
    public static int FirstControlCharacter(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The 400 message for <paramref name="member"/>'s control character at <paramref name="at"/>.</summary>
    public static string ControlCharacterProblem(string member, string text, int at) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{member} has a control character (U+{(int)text[at]:X4} at position {at + 1}): use printable text on one line.");
}
