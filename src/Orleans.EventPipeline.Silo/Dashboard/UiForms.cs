using Microsoft.AspNetCore.Antiforgery;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>Reads a posted <c>/ui</c> form after checking its anti-forgery token; a form without a valid one changes nothing.</summary>
internal static class UiForms
{
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
        catch (AntiforgeryValidationException)
        {
            return null;
        }

        return await http.Request.ReadFormAsync(http.RequestAborted);
    }

    public static IResult Refused(HttpContext http) => Html.Page(
        http,
        "Form refused",
        Html.Notice("error", "The form was refused: its anti-forgery token is missing or stale. <a href=\"/ui/\">Open the page again</a> and resend it."),
        StatusCodes.Status400BadRequest);
}
