namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>A whole-request failure: status code, a stable error code and a message saying what is wrong.</summary>
public sealed class IngestProblemException(int statusCode, string code, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Code { get; } = code;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static IngestProblemException TooLarge(string message) => new(StatusCodes.Status413PayloadTooLarge, "payload_too_large", message);

    public static IngestProblemException BadFraming(string message) => new(StatusCodes.Status400BadRequest, "bad_framing", message);

    public static IngestProblemException Unsupported(string message) => new(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", message);
}
