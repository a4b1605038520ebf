using System.Text;

namespace Orleans.EventPipeline.Silo.Gateway.Hec;

/// <summary>
/// The tenant key of an HEC request, in every form HEC clients send it: <c>Authorization: Splunk &lt;key&gt;</c>,
/// <c>Bearer &lt;key&gt;</c>, <c>Basic</c> with the key as the password (any user name), or the
/// <c>token</c> query parameter. Scheme names are case-insensitive (RFC 9110 §11.1).
/// </summary>
public static class HecToken
{
    /// <summary>The key, or the HEC code saying why there is none: no credentials, or a header not read.</summary>
    public static (string? Secret, HecCode Problem) Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            var query = request.Query["token"].ToString();
            return query.Length == 0 ? (null, HecCode.TokenRequired) : (query, HecCode.Success);
        }

        var space = header.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space < 0 ? header : header[..space];
        var credential = space < 0 ? "" : header[(space + 1)..].Trim();
        if (credential.Length == 0)
        {
            return (null, HecCode.InvalidAuthorization);
        }

        if (scheme.Equals("Splunk", StringComparison.OrdinalIgnoreCase) || scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return (credential, HecCode.Success);
        }

        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && BasicPassword(credential) is { Length: > 0 } password)
        {
            return (password, HecCode.Success);
        }

        return (null, HecCode.InvalidAuthorization);
    }

    private static string? BasicPassword(string credential)
    {
        Span<byte> decoded = stackalloc byte[512];
        if (!Convert.TryFromBase64String(credential, decoded, out var written))
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(decoded[..written]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : text[(colon + 1)..];
    }
}
