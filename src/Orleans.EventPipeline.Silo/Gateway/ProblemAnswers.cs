using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.AspNetCore.WebUtilities;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// The <see cref="ApiProblem"/> shape for the answers no endpoint wrote: a parameter that does not bind (a
/// <c>limit=abc</c>, a <c>long</c> route value that is text), a path or method nothing serves, and an
/// exception nothing caught. Without this they were a 400, 404 or 500 with no body at all.
/// </summary>
internal static partial class ProblemAnswers
{
    public static IServiceCollection AddProblemAnswers(this IServiceCollection services)
    {
        // Binding failures throw instead of answering an empty 400, so the exception handler can say which parameter failed.
        services.Configure<RouteHandlerOptions>(static options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(static options => options.CustomizeProblemDetails = Complete);
        return services;
    }

    /// <summary>Before the endpoints: turns an exception or an empty error status into a problem answer.</summary>
    public static WebApplication UseProblemAnswers(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = static exception => exception switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                // A grain that did not answer: the cluster's trouble, and worth a retry.
                TimeoutException or OrleansException => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
            // A request that did not bind is the client's mistake, answered with a 400: not an error of the silo to log.
            SuppressDiagnosticsCallback = static context => context.Exception is BadHttpRequestException,
        });
        app.UseStatusCodePages();
        app.Use(static (context, next) =>
            context.GetEndpoint() is null && AllowedMethods(context) is { Count: > 0 } allowed
                ? MethodNotAllowedAsync(context, allowed)
                : next(context));
        return app;
    }

    // The routes with a literal segment and their methods, parsed once per list of endpoints (an unmatched request is
    // matched against each: a flood of them costs no template parsing).
    private static (IReadOnlyList<Endpoint> Endpoints, List<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)> Routes)? _routes;

    /// <summary>
    /// The methods the endpoints at the request's path take, when none matched and its own method is not one of them.
    /// Routing answers that 405 itself only while no route that takes any method could match the path, and gRPC's route
    /// for unknown services (<c>{service}/{method}</c>) can: <c>GET /v1/events</c> was a 404, "nothing is served".
    /// Routes without a literal segment (that one) are left out: they serve no path of their own. A request refused for
    /// something else (a route constraint) is not answered 405.
    /// </summary>
    private static List<string>? AllowedMethods(HttpContext context)
    {
        var endpoints = context.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints;
        if (_routes is not { } cached || !ReferenceEquals(cached.Endpoints, endpoints))
        {
            cached = (endpoints, endpoints.OfType<RouteEndpoint>()
                .Where(static route => route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 }
                    && route.RoutePattern.PathSegments.Any(static segment => segment.IsSimple && segment.Parts[0].IsLiteral))
                .Select(static route => (new TemplateMatcher(TemplateParser.Parse(route.RoutePattern.RawText ?? ""), new RouteValueDictionary()),
                    route.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods))
                .ToList());
            _routes = cached;
        }

        List<string>? allowed = null;
        foreach (var (matcher, methods) in cached.Routes)
        {
            if (matcher.TryMatch(context.Request.Path, new RouteValueDictionary()))
            {
                allowed ??= [];
                allowed.AddRange(methods.Except(allowed, StringComparer.OrdinalIgnoreCase));
            }
        }

        return allowed is not null && !allowed.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase) ? allowed : null;
    }

    private static Task MethodNotAllowedAsync(HttpContext context, List<string> allowed)
    {
        context.Response.Headers.Allow = string.Join(", ", allowed);
        return ApiProblem.Result(StatusCodes.Status405MethodNotAllowed, "method_not_allowed", MethodNotAllowed(context)).ExecuteAsync(context);
    }

    /// <summary>The one wording of a 405, ours and routing's: the methods the path takes, from the answer's <c>Allow</c>.</summary>
    private static string MethodNotAllowed(HttpContext context)
    {
        var request = context.Request;
        var allow = context.Response.Headers.Allow.ToString();
        return allow.Length > 0
            ? $"{request.Path} does not take {request.Method}: it takes {allow}."
            : $"{request.Path} does not take {request.Method}: the admin API's methods are in /admin/v1/openapi.json.";
    }

    // Problems written by ApiProblem have their error and detail; the others get them here.
    private static void Complete(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        if (!problem.Extensions.ContainsKey("error"))
        {
            var code = Code(status);
            problem.Extensions["error"] = code;
            problem.Title = code;
        }

        problem.Detail ??= Detail(context, status);
    }

    private static string Code(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "invalid_request",
        StatusCodes.Status500InternalServerError => "internal_error",
        StatusCodes.Status503ServiceUnavailable => "unavailable",
        _ => ReasonPhrases.GetReasonPhrase(status).Replace(' ', '_').Replace("-", "", StringComparison.Ordinal).ToLowerInvariant() is { Length: > 0 } phrase ? phrase : "error",
    };

    // A shipper's wrong path (a HEC client's /services/collector/foo) is pointed at the ingest paths, not only at the admin API's.
    private static string NotServed(HttpRequest request) =>
        $"Nothing is served at {request.Method} {request.Path}: "
        + (request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase)
            ? "the admin API's paths are in /admin/v1/openapi.json."
            : "events go to POST /v1/events, POST /v1/logs (OTLP/HTTP) or POST /services/collector/event and /services/collector/raw (Splunk HEC); the admin API's paths are in /admin/v1/openapi.json.");

    private static string Detail(ProblemDetailsContext context, int status)
    {
        var request = context.HttpContext.Request;
        var trace = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        return (context.Exception, status) switch
        {
            (BadHttpRequestException bad, _) => Unbound(bad.Message),
            (not null, StatusCodes.Status503ServiceUnavailable) => $"A grain of the pipeline did not answer in time (trace {trace}); nothing is known to have changed. Retry.",
            (not null, _) => $"The silo failed on this request (trace {trace}); it is logged there with that trace id. Nothing is known to have changed: read the resource again before retrying.",
            (null, StatusCodes.Status404NotFound) => NotServed(request),
            // gRPC's own 415, with no body, to a call on a gRPC method (the OTLP port) that is not application/grpc.
            (null, StatusCodes.Status415UnsupportedMediaType) when context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<Grpc.AspNetCore.Server.GrpcMethodMetadata>() is not null =>
                $"Content-Type {QuotedValue.Of(request.ContentType)} is not supported on a gRPC method: send application/grpc or application/grpc+proto (OTLP/gRPC; OTLP/HTTP with JSON or protobuf is POST /v1/logs on the HTTP port).",
            // Routing's answer to a body type no endpoint declares; only the admin API's JSON endpoints declare one.
            (null, StatusCodes.Status415UnsupportedMediaType) => Admin.AdminJsonBody.UnsupportedMediaType(request.ContentType),
            (null, StatusCodes.Status405MethodNotAllowed) => MethodNotAllowed(context.HttpContext),
            _ => $"{ReasonPhrases.GetReasonPhrase(status)}: the request to {request.Method} {request.Path} could not be answered.",
        };
    }

    // The framework's "Failed to bind parameter "Nullable<int> limit" from "abc"." in the API's words.
    private static string Unbound(string message)
    {
        var match = BindFailure().Match(message);
        if (!match.Success)
        {
            return message;
        }

        var type = match.Groups["type"].Value.Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('>');
        var expected = type is "int" or "long" or "short" or "Int32" or "Int64" ? "a whole number" : $"a {type}";
        // The value is the caller's, of any length: quoted bounded.
        return $"{match.Groups["name"].Value} {QuotedValue.Of(match.Groups["value"].Value)} is not {expected}: see /admin/v1/openapi.json for the parameter.";
    }

    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>[A-Za-z0-9_]+)\" from \"(?<value>.*)\"\\.$")]
    private static partial System.Text.RegularExpressions.Regex BindFailure();
}
