using System.Globalization;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Silo.Admin;
using Orleans.EventPipeline.Silo.Gateway;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// The range of the archive listing on a tenant's page, from the page's <c>from</c> and <c>to</c> query values, read as
/// the API reads them (<see cref="AdminTime"/>). A value that is not a time is a <see cref="Problem"/> naming it and the form
/// a time takes, and nothing is listed: it used to be read as absent, so the page listed the default range as if it were
/// the one asked for, where the API answers 400. An empty value is a field the user cleared, so absent: the default.
/// </summary>
/// <param name="FromField">What the form's <c>from</c> field shows: the range's start, or empty for a value that is not a time.</param>
/// <param name="ToField">As <paramref name="FromField"/>, for <c>to</c>.</param>
/// <param name="Problem">Why nothing is listed (plain text), or null to list <paramref name="From"/> to <paramref name="To"/>.</param>
/// <param name="Unreadable">A value was not a time: the page answers 400, as the API.</param>
internal sealed record ArchiveRange(DateTimeOffset From, DateTimeOffset To, string FromField, string ToField, string? Problem, bool Unreadable)
{
    public static ArchiveRange Read(string? from, string? to, DateTimeOffset now)
    {
        var (end, badTo) = Time(to);
        end ??= now;
        var (start, badFrom) = Time(from);
        start ??= ProcessingAdminEndpoints.DefaultStart(end.Value);
        var fromField = badFrom ? "" : Field(start.Value);
        var toField = badTo ? "" : Field(end.Value);
        if (badFrom || badTo)
        {
            var named = string.Join(" and ", new[] { badFrom ? $"from {QuotedValue.Of(from)}" : null, badTo ? $"to {QuotedValue.Of(to)}" : null }.OfType<string>());
            return new(start.Value, end.Value, fromField, toField, $"Nothing was listed: {named} {(badFrom && badTo ? "are not times" : "is not a time")}. Use {AdminTime.Expected}, or pick it in the field.", Unreadable: true);
        }

        return start > end || end - start > ArchiveCatalog.MaxRange
            ? new(start.Value, end.Value, fromField, toField, string.Create(CultureInfo.InvariantCulture, $"Choose a range from before to, at most {ArchiveCatalog.MaxRange.TotalDays} days long."), Unreadable: false)
            : new(start.Value, end.Value, fromField, toField, null, Unreadable: false);
    }

    /// <summary>The time a value gives; null for none (absent or empty), with whether it was a value that is not a time.</summary>
    private static (DateTimeOffset? Time, bool Unreadable) Time(string? value) =>
        string.IsNullOrWhiteSpace(value) ? (null, false)
        : AdminTime.TryParse(value, out var time) ? (time, false)
        : (null, true);

    // The datetime-local field's own format, minutes in UTC.
    private static string Field(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
}
