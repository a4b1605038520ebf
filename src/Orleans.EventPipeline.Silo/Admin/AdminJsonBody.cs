using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Orleans.EventPipeline.Silo.Gateway;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// Reads an admin request's JSON body with the app's JSON settings. A body that does not bind is answered
/// with a 400 naming the field and the reason, where the framework's binding would answer an empty 400.
/// A member the body's type does not have, at any depth, is refused the same way: a PUT replaces every
/// setting, so a misspelt one (<c>"limit"</c> for <c>"limits"</c>) ignored would put it back to its default.
/// </summary>
internal static class AdminJsonBody
{
    // The app's options with unknown members refused (StrictOf).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> Strict = [];

    /// <summary>
    /// The body, or the problem to answer; an empty body is null when <paramref name="optional"/>. A member of
    /// the top-level object sent as JSON null is refused with the message <paramref name="nullProblem"/> gives
    /// for it (null: a member the body does not have, which binding ignores anyway).
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, bool optional, Func<string, string?> nullProblem, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength == 0 || (optional && request.ContentLength is null && !IsJson(request)))
        {
            return optional ? (null, null) : (null, EmptyBody());
        }

        if (!IsJson(request))
        {
            return (null, ApiProblem.Result(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", UnsupportedMediaType(request.ContentType)));
        }

        var options = StrictOf(request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { AllowTrailingCommas = options.AllowTrailingCommas, CommentHandling = options.ReadCommentHandling, MaxDepth = options.MaxDepth, AllowDuplicateProperties = false }, cancellationToken);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                var nulls = document.RootElement.EnumerateObject()
                    .Where(static member => member.Value.ValueKind == JsonValueKind.Null)
                    .Select(member => nullProblem(member.Name))
                    .OfType<string>()
                    .ToList();
                if (nulls.Count > 0)
                {
                    return (null, AdminProblems.InvalidSettings(nulls));
                }
            }

            var value = document.RootElement.Deserialize<T>(options);
            return value is null && !optional ? (null, EmptyBody()) : (value, null);
        }
        catch (JsonException exception)
        {
            return (null, ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_json", Describe(exception, typeof(T), "the body")));
        }
    }

    /// <summary>
    /// The app's options with unknown members and members given twice refused, made once per options instance (one per
    /// host): the API's bodies and the dashboard's settings form read JSON with them.
    /// </summary>
    public static JsonSerializerOptions StrictOf(JsonSerializerOptions app) =>
        Strict.GetValue(app, static app => new JsonSerializerOptions(app) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow, AllowDuplicateProperties = false });

    /// <summary>
    /// What is wrong with JSON read as <paramref name="root"/> with <see cref="StrictOf"/>'s options, by member path
    /// (<paramref name="whole"/> names the document when the error is about all of it).
    /// </summary>
    public static string Describe(JsonException exception, Type root, string whole)
    {
        var field = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? whole : exception.Path;
        // System.Text.Json names the .NET type the member is missing from; the client needs the member and what to do.
        return exception.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal)
            ? $"{field} is not a member this API knows, so nothing was changed: check its spelling against the API's reference (/admin/v1/reference)."
            : NotUnicode(exception) is { } encoding
                ? encoding == "UTF-16"
                    ? $"{field} holds a lone surrogate (an escape \\uD800-\\uDFFF without its pair), which is not text, so nothing was changed."
                    : $"{field} holds bytes that are not UTF-8, so nothing was changed: send JSON text in UTF-8."
            : exception.Message.StartsWith(NotConverted, StringComparison.Ordinal)
                ? $"{field} is not {ExpectedForm(root, exception.Path)}, so nothing was changed."
                : exception.Message.Contains("Duplicate propert", StringComparison.Ordinal)
                    ? $"{Duplicate(exception.Message, field, whole)} is given more than once, so nothing was changed: which one a reader takes is its own choice, so give each member once."
                : MissingMembers(exception.Message) is { } missing
                    ? $"{field} is missing {missing}, so nothing was changed: give {RequiredMembers(root, exception.Path)} together, or leave {field} out for its defaults."
                    : $"{field}: {FirstSentence(exception.Message)}";
    }

    // A string whose bytes are not UTF-8 reads as a value that "could not be converted", its cause the transcoding's
    // (InvalidOperationException "Cannot transcode invalid UTF-8 JSON text to UTF-16 string"); so does an escaped lone
    // surrogate ("Cannot read invalid UTF-16 JSON text", "... incomplete UTF-16 JSON text ... missing low surrogate"). The
    // encoding that failed; null for another cause.
    private static string? NotUnicode(Exception exception)
    {
        for (var cause = exception.InnerException; cause is not null; cause = cause.InnerException)
        {
            if (cause.Message.Contains("UTF-16 JSON text", StringComparison.Ordinal))
            {
                return "UTF-16";
            }

            if (cause is System.Text.DecoderFallbackException || cause.Message.Contains("invalid UTF-8", StringComparison.OrdinalIgnoreCase))
            {
                return "UTF-8";
            }
        }

        return null;
    }

    // System.Text.Json's message for a value of the wrong type or form names a .NET type (often the body's own, whose
    // constructor it was binding): the client needs what the member takes.
    private const string NotConverted = "The JSON value could not be converted to ";

    // System.Text.Json's message for an object without a member its type requires ("... was missing required properties
    // including: 'a', 'b'.") names the .NET type; the names it quotes are the JSON ones.
    private const string MissingRequired = "missing required properties including: ";

    /// <summary>The members System.Text.Json found missing, as "a and b"; null for another message.</summary>
    private static string? MissingMembers(string message)
    {
        var at = message.IndexOf(MissingRequired, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        return Listed(FirstSentence(message[(at + MissingRequired.Length)..]).TrimEnd('.').Split(", ").Select(static name => name.Trim('\'')).ToList());
    }

    // System.Text.Json's message for a member given twice in one object begins so, and names it in quotes.
    private const string DuplicateProperty = "Duplicate property '";

    /// <summary>
    /// The member given twice, as the answer names it: its path when the error has one that ends in it (a member of an
    /// object, a key of a map: "Duplicate properties not allowed" names none), else the name the message quotes, in the
    /// object at <paramref name="field"/>.
    /// </summary>
    private static string Duplicate(string message, string field, string whole)
    {
        var at = message.IndexOf(DuplicateProperty, StringComparison.Ordinal);
        var end = at < 0 ? -1 : message.IndexOf('\'', at + DuplicateProperty.Length);
        var name = end < 0 ? null : message[(at + DuplicateProperty.Length)..end];
        return name is null || field.EndsWith("." + name, StringComparison.Ordinal) ? field
            : field == whole ? name
            : $"{name} in {field}";
    }

    /// <summary>"a", "a and b", "a, b and c".</summary>
    private static string Listed(List<string> names) => names.Count == 1 ? names[0] : string.Join(", ", names[..^1]) + " and " + names[^1];

    /// <summary>The type of the member at <paramref name="path"/> (<c>$.a.b</c>, <c>$.a[0]</c>) of <paramref name="root"/>; null past a member it does not have.</summary>
    private static Type? TypeAt(Type root, string? path)
    {
        var type = root;
        foreach (var segment in (path ?? "$").Split('.', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var name = segment.Split('[')[0];
            var property = type.GetProperty(name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            if (property is null)
            {
                return null;
            }

            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (segment.Contains('[', StringComparison.Ordinal) && type != typeof(string)
                && type.GetInterfaces().Append(type).FirstOrDefault(static i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)) is { } items)
            {
                type = Nullable.GetUnderlyingType(items.GetGenericArguments()[0]) ?? items.GetGenericArguments()[0];
            }
        }

        return type;
    }

    /// <summary>The JSON names of the members the object at <paramref name="path"/> requires, as "a, b and c".</summary>
    private static string RequiredMembers(Type root, string? path)
    {
        var names = (TypeAt(root, path)?.GetProperties() ?? [])
            .Where(static property => property.IsDefined(typeof(System.Text.Json.Serialization.JsonRequiredAttribute), inherit: true))
            .Select(static property => JsonNamingPolicy.CamelCase.ConvertName(property.Name))
            .ToList();
        return names.Count switch
        {
            0 => "every member it requires",
            1 => names[0],
            _ => "all of " + Listed(names),
        };
    }

    /// <summary>What the member at <paramref name="path"/> of <paramref name="root"/> takes, in JSON terms.</summary>
    private static string ExpectedForm(Type root, string? path)
    {
        if (TypeAt(root, path) is not { } type)
        {
            return "of the type the API's reference (/admin/v1/reference) gives for it";
        }

        return type switch
        {
            _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type).Select(static n => $"\"{JsonNamingPolicy.CamelCase.ConvertName(n)}\""))}",
            _ when type == typeof(TimeSpan) => "a duration as a string \"[d.]hh:mm:ss\", e.g. \"1.00:00:00\" for a day",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(string) => "a string",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
            _ when type == typeof(DateTimeOffset) => "a date and time as an ISO 8601 string",
            _ when typeof(System.Collections.IEnumerable).IsAssignableFrom(type) => "an array",
            _ => "an object",
        };
    }

    /// <summary>The 415's detail, also for the framework's 415 of a type no admin endpoint declares (text/json).</summary>
    public static string UnsupportedMediaType(string? contentType) =>
        $"Content-Type {QuotedValue.Of(contentType)} is not supported: send application/json (in UTF-8).";

    // Only application/json, in UTF-8 (the body is read as UTF-8: another charset's text would be stored garbled):
    // HasJsonContentType also takes every +json type, and application/merge-patch+json asks for a merge, which this
    // API would have treated as a full replacement.
    private static bool IsJson(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var charset = HeaderUtilities.RemoveQuotes(type.Charset);
        return charset.Length == 0 || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }

    private static IResult EmptyBody() =>
        ApiProblem.Result(StatusCodes.Status400BadRequest, "invalid_json", "The body is empty: send the settings as a JSON object.");

    // System.Text.Json appends "Path: $.x | LineNumber: 0 | BytePositionInLine: 12." to its own messages (the
    // reader of a body that is not JSON, "LineNumber: ..." alone); the path is said already.
    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (end < 0)
        {
            end = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        return end < 0 ? message : message[..end];
    }
}
