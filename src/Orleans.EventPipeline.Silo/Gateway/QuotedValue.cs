using System.Globalization;
using System.Text;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// How an answer quotes a value the caller sent that is not what it should be (a path segment, a query value, an id in a
/// body): at most <see cref="MaxCharacters"/> of its characters, each outside printable ASCII written as <c>\uXXXX</c>, and
/// its length when it was cut. Quoted whole, a 5,000-character key id came back in the 404's detail, and a line break or a
/// text-direction override in one would reach the logs and pages that show the detail.
/// </summary>
public static class QuotedValue
{
    /// <summary>Enough to recognise what was sent: every id the API issues or takes is shorter (a tenant id is at most 63).</summary>
    public const int MaxCharacters = 64;

    /// <summary><c>'value'</c>, or <c>'first characters…' (N characters)</c> when longer than <see cref="MaxCharacters"/>.</summary>
    public static string Of(string? value)
    {
        value ??= "";
        var shown = new StringBuilder(MaxCharacters + 24).Append('\'');
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, MaxCharacters)))
        {
            if (c is >= ' ' and <= '~')
            {
                shown.Append(c);
            }
            else
            {
                shown.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
        }

        return value.Length > MaxCharacters
            ? shown.Append(CultureInfo.InvariantCulture, $"…' ({value.Length} characters)").ToString()
            : shown.Append('\'').ToString();
    }
}
