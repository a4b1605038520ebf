using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace Orleans.EventPipeline.Silo.Admin.Authentication;

/// <summary>The one place the admin key is compared, and the principal every admin scheme signs in.</summary>
public static class AdminCredential
{
    /// <summary>Claim of the admin principal: a hash of the key it signed in with, so a cookie dies with a changed key.</summary>
    public const string KeyClaim = "eventpipeline:admin-key";

    /// <summary>Claim of a <c>/ui</c> sign-in: when the key was typed (Unix milliseconds), which renewing the cookie does not change.</summary>
    public const string SignedInClaim = "eventpipeline:signed-in";

    /// <summary>Claim of a <c>/ui</c> sign-in: its random session id, which sign-out ends for every copy of the cookie (<see cref="AdminSessions"/>).</summary>
    public const string SessionClaim = "eventpipeline:session";

    public static bool IsConfigured(string configured) => !string.IsNullOrEmpty(configured);

    /// <summary>Constant time in the presented value's content: both sides are hashed to 32 bytes first, so neither the length nor the first wrong byte shows.</summary>
    public static bool Matches(string configured, string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        return IsConfigured(configured) && CryptographicOperations.FixedTimeEquals(Hash(configured), Hash(presented));
    }

    /// <summary>The hex SHA-256 of the configured key, as the cookie carries it (never the key).</summary>
    public static string Fingerprint(string configured) => Convert.ToHexStringLower(Hash(configured));

    public static ClaimsPrincipal Principal(string scheme, string? fingerprint = null, DateTimeOffset? signedIn = null)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, "admin"), new(ClaimTypes.Role, AdminPolicies.Role) };
        if (fingerprint is not null)
        {
            claims.Add(new Claim(KeyClaim, fingerprint));
        }

        if (signedIn is { } at)
        {
            claims.Add(new Claim(SignedInClaim, at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
            claims.Add(new Claim(SessionClaim, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
