using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Orleans.EventPipeline.EventHubsEmulator.Cbs;

/// <summary>
/// Checks a shared access signature
/// (<c>SharedAccessSignature sr={url-encoded resource}&amp;sig={signature}&amp;se={unix seconds}&amp;skn={key name}</c>):
/// the signature must be HMAC-SHA256, under the named key, of the encoded resource, a line feed and
/// the expiry, and the expiry must not have passed. The resource itself is not compared with the
/// audience: in emulator mode the SDK still signs an <c>amqps://</c> resource.
/// </summary>
internal sealed class SasTokenValidator(IReadOnlyDictionary<string, string> keys, TimeProvider timeProvider)
{
    private const string Prefix = "SharedAccessSignature ";

    /// <summary>Null when the token is valid; otherwise why it is not.</summary>
    public string? Validate(string? token)
    {
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return "The token is not a shared access signature.";
        }

        string? resource = null, signature = null, expiry = null, keyName = null;
        foreach (string pair in token[Prefix.Length..].Split('&'))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            string value = pair[(equals + 1)..];
            switch (pair[..equals])
            {
                case "sr": resource = value; break;
                case "sig": signature = WebUtility.UrlDecode(value); break;
                case "se": expiry = value; break;
                case "skn": keyName = WebUtility.UrlDecode(value); break;
            }
        }

        if (resource is null || signature is null || expiry is null || keyName is null)
        {
            return "The shared access signature must carry sr, sig, se and skn.";
        }

        if (!keys.TryGetValue(keyName, out string? key))
        {
            return $"The shared access key name '{keyName}' is not configured.";
        }

        if (!long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out long expiresAt)
            || expiresAt < timeProvider.GetUtcNow().ToUnixTimeSeconds())
        {
            return "The shared access signature has expired.";
        }

        byte[] expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(resource + "\n" + expiry));
        byte[] presented;
        try
        {
            presented = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return "The shared access signature is not base64.";
        }

        return CryptographicOperations.FixedTimeEquals(expected, presented)
            ? null
            : $"The shared access signature does not match the key '{keyName}'.";
    }
}
