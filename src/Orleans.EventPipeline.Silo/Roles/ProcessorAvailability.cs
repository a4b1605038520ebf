using System.Globalization;
using Orleans.EventPipeline.Silo.Gateway;

namespace Orleans.EventPipeline.Silo.Roles;

/// <summary>
/// The HTTP side of roles: an endpoint that needs the pipeline's grains answers 503 + <c>Retry-After</c>
/// while no silo hosting them is active (a gateway whose processors are all down), instead of the 500
/// Orleans' refused placement would give, and never a 200 for something not stored. It recovers by
/// itself: each request looks at the membership again.
/// </summary>
internal static class ProcessorAvailability
{
    /// <summary>
    /// Seconds a client is asked to wait, 5: a processor that was killed is declared dead and its
    /// partitions and grains move within about 30 s (Orleans' failure detection), a restarted one joins
    /// within seconds.
    /// </summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>The <c>error</c> of the 503 answered while no processor is active.</summary>
    public const string NoProcessorCode = "no_processor";

    public const string NoProcessorDetail = "No processor silo is active, so nothing can be stored or read now; nothing was acknowledged. Retry later.";

    /// <summary>
    /// Endpoint filter: 503 <c>no_processor</c> when no processor is active; a grain call that fails for the
    /// cluster's sake (a silo gone mid-call, the placement refused, a timeout) is a 503 too, not a 500.
    /// </summary>
    public static ValueTask<object?> RequireProcessor(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        RequireProcessorAsync(context, next, null);

    /// <summary>
    /// <see cref="RequireProcessor"/> that also calls <paramref name="refused"/> for each request it answers
    /// <c>no_processor</c> up front, on the one look at the membership that decides the answer.
    /// </summary>
    public static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> RequireProcessorReporting(Action<HttpContext> refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        return (context, next) => RequireProcessorAsync(context, next, refused);
    }

    private static async ValueTask<object?> RequireProcessorAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, Action<HttpContext>? refused)
    {
        var roles = context.HttpContext.RequestServices.GetRequiredService<ClusterRoles>();
        if (!roles.AnyActiveGrainHost())
        {
            refused?.Invoke(context.HttpContext);
            return Unavailable(context.HttpContext, NoProcessorCode, NoProcessorDetail);
        }

        try
        {
            return await next(context);
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException && !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return !roles.AnyActiveGrainHost()
                ? Unavailable(context.HttpContext, NoProcessorCode, NoProcessorDetail)
                : Unavailable(context.HttpContext, "processor_unavailable", $"A processor silo did not answer ({exception.GetType().Name}); nothing was changed or acknowledged by this call. Retry later.");
        }
    }

    private static IResult Unavailable(HttpContext context, string code, string detail)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return ApiProblem.Result(StatusCodes.Status503ServiceUnavailable, code, detail);
    }
}
