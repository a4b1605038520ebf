using System.Security.Cryptography;
using System.Text;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Tenants;

/// <summary>Makes API key secrets and the hash they are looked up by.</summary>
public static class ApiKeySecret
{
    /// <summary>Secrets start with this so leaked keys are easy to grep for in logs and repositories.</summary>
    public const string Prefix = "ept_";

    /// <summary>32 random bytes (256 bits), base64url: not guessable, not worth brute-forcing a hash of.</summary>
    public static string Create() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Hex SHA-256 of the secret: the key of its <see cref="EventPipeline.Tenants.IApiKeyGrain"/>.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>
    /// What a listing shows of a secret: <see cref="Prefix"/> and its first 4 characters (24 random bits),
    /// enough to tell a tenant's keys apart and match a leaked key to its id, while the 232 bits left stay
    /// out of reach of a search.
    /// </summary>
    public static string ShortPrefix(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return secret[..Math.Min(secret.Length, Prefix.Length + 4)];
    }

    /// <summary>An id of the shape <see cref="ApiKeyId"/> describes: the admin API answers any other shape as no key.</summary>
    public static string NewKeyId() => ApiKeyId.Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(ApiKeyId.HexDigits / 2));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
