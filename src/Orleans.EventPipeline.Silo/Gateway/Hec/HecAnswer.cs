using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Gateway.Hec;

/// <summary>
/// Answers in HEC's own shape, <c>{"text":"Success","code":0}</c> with HEC's HTTP status per code: many HEC
/// clients read only the body. <c>detail</c> (what is wrong, for a person) and <c>rejected</c> (events
/// refused alone, by index) are ours; HEC clients ignore members they do not know.
/// </summary>
public static class HecAnswer
{
    public static IResult Success(long? ackId, IReadOnlyList<RejectedEvent> rejected)
    {
        var body = Body(HecCode.Success);
        if (ackId is { } id)
        {
            body["ackId"] = id;
        }

        if (rejected.Count > 0)
        {
            body["rejected"] = rejected;
        }

        return Results.Json(body, statusCode: StatusCodes.Status200OK);
    }

    /// <param name="status">The HTTP status when it is not HEC's for the code (a body over the size limit is 413).</param>
    public static IResult Error(HecCode code, string detail, int? invalidEventNumber = null, int? status = null)
    {
        var body = Body(code);
        body["detail"] = detail;
        if (invalidEventNumber is { } index)
        {
            body["invalid-event-number"] = index;
        }

        return Results.Json(body, statusCode: status ?? StatusOf(code));
    }

    /// <summary>503 "Server is busy" with <c>Retry-After</c>: HEC clients retry it.</summary>
    public static IResult Busy(HttpContext context, string detail, TimeSpan? retryAfter)
    {
        ArgumentNullException.ThrowIfNull(context);
        RetryAfterHeader.Set(context.Response, retryAfter);
        return Error(HecCode.ServerBusy, detail);
    }

    public static IResult Health(bool healthy) => healthy
        ? Results.Json(Body(HecCode.Healthy), statusCode: StatusCodes.Status200OK)
        : Results.Json(Body(HecCode.Unhealthy), statusCode: StatusCodes.Status503ServiceUnavailable);

    public static string TextOf(HecCode code) => code switch
    {
        HecCode.Success => "Success",
        HecCode.TokenDisabled => "Token disabled",
        HecCode.TokenRequired => "Token is required",
        HecCode.InvalidAuthorization => "Invalid authorization",
        HecCode.InvalidToken => "Invalid token",
        HecCode.NoData => "No data",
        HecCode.InvalidDataFormat => "Invalid data format",
        HecCode.ServerBusy => "Server is busy",
        HecCode.DataChannelMissing => "Data channel is missing",
        HecCode.InvalidDataChannel => "Invalid data channel",
        HecCode.EventFieldRequired => "Event field is required",
        HecCode.EventFieldBlank => "Event field cannot be blank",
        HecCode.IndexedFieldsError => "Error in handling indexed fields",
        HecCode.Healthy => "HEC is healthy",
        _ => "HEC is unhealthy, queues are full",
    };

    public static int StatusOf(HecCode code) => code switch
    {
        HecCode.Success or HecCode.Healthy => StatusCodes.Status200OK,
        HecCode.TokenRequired or HecCode.InvalidAuthorization => StatusCodes.Status401Unauthorized,
        HecCode.TokenDisabled or HecCode.InvalidToken => StatusCodes.Status403Forbidden,
        HecCode.ServerBusy or HecCode.Unhealthy => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    private static Dictionary<string, object> Body(HecCode code) => new(4, StringComparer.Ordinal)
    {
        ["text"] = TextOf(code),
        ["code"] = (int)code,
    };
}
