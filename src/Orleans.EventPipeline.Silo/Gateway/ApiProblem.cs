namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// The one shape of every error answer of the ingest and admin APIs: <c>application/problem+json</c> with
/// <c>type</c>, <c>title</c> and <c>error</c> (the same stable code) and a <c>detail</c> saying what to fix.
/// </summary>
public static class ApiProblem
{
    // ASP.NET Core fills `type` from RFC 9110 for the statuses it knows; 429 is defined in RFC 6585.
    private const string TooManyRequestsType = "https://tools.ietf.org/html/rfc6585#section-4";

    public static IResult Result(int status, string code, string detail) => Results.Problem(
        detail: detail,
        statusCode: status,
        title: code,
        type: status == StatusCodes.Status429TooManyRequests ? TooManyRequestsType : null,
        extensions: new Dictionary<string, object?> { ["error"] = code });
}
