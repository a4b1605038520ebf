using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>Reads a posted <c>/ui</c> form after checking its anti-forgery token; a form without a valid one changes nothing.</summary>
internal static class UiForms
{
    // Why ReadAsync refused a form the form reader could not read (over its limits, a character a form may not hold, a broken
    // multipart body), for Refused to say.
    private static readonly object Unreadable = new();

    public static async Task<IFormCollection?> ReadAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            return null;
        }

        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException refused)
        {
            // The token check reads the form: one over the reader's limits (a value of 4 MiB, 1,024 fields) fails there, as
            // does one with a NUL in a value, and was answered "token missing or stale", which sends the admin to reload and
            // resend the same form.
            if (refused.InnerException is InvalidDataException unreadable)
            {
                http.Items[Unreadable] = unreadable.Message.TrimEnd('.');
            }

            return null;
        }

        return await http.Request.ReadFormAsync(http.RequestAborted);
    }

    /// <summary>
    /// The tenant version a form carries (the hidden <c>version</c> field: the version the page showed), or null
    /// when it is not one: a version that does not parse is a broken form, not a concurrent change.
    /// </summary>
    public static long? Version(string? text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;

    /// <summary>The message for a form whose version is not one; <paramref name="notDone"/> says what did not happen.</summary>
    public static string BadVersion(string notDone, string? text) =>
        $"{notDone}: the form's version '{text}' is not a version number (1, 2, 3 …): open the page again and resend the form from it.";

    public static IResult Refused(HttpContext http) => http.Items[Unreadable] is not string reason
        ? Html.Page(
            http,
            "Form refused",
            Html.Notice("error", "The form was refused: its anti-forgery token is missing or stale. <a href=\"/ui/\">Open the page again</a> and resend it."),
            StatusCodes.Status400BadRequest)
        // The form reader's limits are the ones its messages name ("Form value length limit 4194304 exceeded"); any other
        // message is about the form's bytes: what a field holds ("The form value contains invalid characters": a NUL), or a
        // multipart body cut short or without its boundary.
        : reason.Contains("limit", StringComparison.OrdinalIgnoreCase)
        ? Html.Page(
            http,
            "Form too large",
            Html.Notice("error", $"The form was refused, nothing changed: it is too large ({Html.E(reason)}). Send smaller settings."),
            StatusCodes.Status413PayloadTooLarge)
        : Html.Page(
            http,
            "Form refused",
            Html.Notice("error", $"The form was refused, nothing changed: it could not be read ({Html.E(reason)}).{(reason.Contains("invalid characters", StringComparison.OrdinalIgnoreCase) ? " A field holds a character a form may not carry, such as a NUL: remove it and send the form again." : " Send it again from the page.")}"),
            StatusCodes.Status400BadRequest);
}
