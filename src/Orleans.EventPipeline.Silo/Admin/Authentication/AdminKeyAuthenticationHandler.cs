using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Admin.Authentication;

/// <summary>
/// Authenticates <c>Authorization: Bearer {Pipeline:AdminApiKey}</c> (the scheme in any case, like ingest),
/// and with <see cref="AdminKeyAuthenticationOptions.AcceptBasic"/> also Basic with the key as the password.
/// The key is compared in constant time (<see cref="AdminCredential"/>). Failures are answered in the API's
/// one problem shape: 401 naming what to send, or 403 <c>admin_disabled</c> when no admin key is set.
/// </summary>
public sealed class AdminKeyAuthenticationHandler(
    IOptionsMonitor<AdminKeyAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<PipelineOptions> pipeline,
    AdminAuthFailures failures) : AuthenticationHandler<AdminKeyAuthenticationOptions>(options, logger, encoder)
{
    private const string BasicChallenge = "Basic realm=\"Orleans Dashboard\", charset=\"UTF-8\"";

    // Set when this request's address sent too many wrong keys: the challenge is then a 429, not a 401.
    private TimeSpan? _retryAfter;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (failures.RetryAfter(Context) is { } wait)
        {
            // Refused without a look at the key, the right one too: else a client past the limit would still learn which key is right.
            _retryAfter = wait;
            failures.Record(Context, Options.Surface);
            return Task.FromResult(AuthenticateResult.Fail("Too many wrong admin keys from this address."));
        }

        var presented = BearerToken.Parse(authorization) ?? (Options.AcceptBasic ? BasicPassword(authorization) : null);
        if (presented is null || !AdminCredential.Matches(pipeline.Value.AdminApiKey, presented))
        {
            failures.Record(Context, Options.Surface);
            // No detail about which part was wrong, and never the presented value.
            return Task.FromResult(AuthenticateResult.Fail("The admin credential is missing or wrong."));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(AdminCredential.Principal(Scheme.Name), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (!AdminCredential.IsConfigured(pipeline.Value.AdminApiKey))
        {
            return ApiProblem.Result(StatusCodes.Status403Forbidden, "admin_disabled", "The admin API is off: set Pipeline:AdminApiKey to enable it.").ExecuteAsync(Context);
        }

        if (_retryAfter is { } wait)
        {
            RetryAfterHeader.Set(Response, wait);
            return ApiProblem.Result(StatusCodes.Status429TooManyRequests, "too_many_wrong_keys", AdminAuthFailures.TooMany(wait)).ExecuteAsync(Context);
        }

        Response.Headers.WWWAuthenticate = Options.AcceptBasic ? BasicChallenge : "Bearer";
        return ApiProblem.Result(StatusCodes.Status401Unauthorized, "unauthorized", Options.ChallengeDetail).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblem.Result(StatusCodes.Status403Forbidden, "forbidden", "This credential may not use this endpoint.").ExecuteAsync(Context);

    /// <summary>The password of <c>Basic base64(user:password)</c>, or null for any other header.</summary>
    private static string? BasicPassword(string authorization)
    {
        const string Scheme = "Basic ";
        if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var encoded = authorization.AsSpan(Scheme.Length).Trim();
        var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
        if (!Convert.TryFromBase64Chars(encoded, decoded, out var length))
        {
            return null;
        }

        var credentials = Encoding.UTF8.GetString(decoded, 0, length);
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : credentials[(colon + 1)..];
    }
}
