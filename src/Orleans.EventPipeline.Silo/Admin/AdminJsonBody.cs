using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Silo.Gateway;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// Reads an admin request's JSON body with the app's JSON settings. A body that does not bind is answered
/// with a 400 naming the field and the reason, where the framework's binding would answer an empty 400.
/// </summary>
internal static class AdminJsonBody
{
    /// <summary>The body, or the problem to answer; an empty body is null when <paramref name="optional"/>.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, bool optional, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength == 0 || (optional && request.ContentLength is null && !request.HasJsonContentType()))
        {
            return optional ? (null, null) : (null, EmptyBody());
        }

        if (!request.HasJsonContentType())
        {
            return (null, ApiProblem.Result(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", $"Content-Type '{request.ContentType}' is not supported; send application/json."));
        }

        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, cancellationToken);
            return value is null && !optional ? (null, EmptyBody()) : (value, null);
        }
        catch (JsonException exception)
        {
            var field = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? "the body" : exception.Path;
            return (null, ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_json", $"{field}: {FirstSentence(exception.Message)}"));
        }
    }

    private static IResult EmptyBody() =>
        ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_json", "The body is empty: send the settings as a JSON object.");

    // System.Text.Json appends "Path: $.x | LineNumber: 0 | BytePositionInLine: 12." to its own messages; the path is said already.
    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }
}
