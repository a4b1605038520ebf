namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>Reads the credential of an <c>Authorization: Bearer</c> header; the scheme name is case-insensitive (RFC 9110 §11.1).</summary>
public static class BearerToken
{
    private const string Scheme = "Bearer";

    /// <summary>The token, or null when the header is missing, of another scheme, or empty.</summary>
    public static string? Parse(string? authorization)
    {
        if (authorization is null
            || authorization.Length <= Scheme.Length
            || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            || !char.IsWhiteSpace(authorization[Scheme.Length]))
        {
            return null;
        }

        var token = authorization[(Scheme.Length + 1)..].Trim();
        return token.Length == 0 ? null : token;
    }
}
