using System.Globalization;
using System.Text;
using Orleans.EventPipeline.Processing.Normalization;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// A time an admin gives (an archive listing's <c>from</c> and <c>to</c>, in the API and on the tenant's page), read as
/// ingest reads an event's: RFC 3339 through <see cref="Timestamps.TryParseRfc3339"/>, so a leap second
/// (<c>23:59:60</c>), which ingest takes as the last tick of <c>:59</c>, is that same instant here and an event stamped
/// with it is found by its own time; else whatever else <see cref="DateTimeOffset.TryParse(string, IFormatProvider, DateTimeStyles, out DateTimeOffset)"/>
/// takes (a date alone, a time without seconds). Without an offset, UTC, as at ingest.
/// </summary>
internal static class AdminTime
{
    /// <summary>What a time is given as, in words, for the API's 400 and the tenant page's error alike.</summary>
    public static readonly string Expected = string.Create(
        CultureInfo.InvariantCulture, $"ISO 8601 such as 2024-06-02T08:00:00Z, from {DateTimeOffset.MinValue:O} to {DateTimeOffset.MaxValue:O} in UTC");

    public static bool TryParse(string text, out DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Timestamps.TryParseRfc3339(Encoding.UTF8.GetBytes(text), out time)
            || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }
}
