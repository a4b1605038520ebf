using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// The id of a tenant's API key: <see cref="Prefix"/> and <see cref="HexDigits"/> lower-case hex digits, made by the tenant
/// grain when it issues the key (never chosen by a caller). An id of another shape names no key, so the admin API answers
/// it without asking a grain.
/// </summary>
public static partial class ApiKeyId
{
    public const string Prefix = "key_";

    /// <summary>The hex digits after <see cref="Prefix"/>: 6 random bytes.</summary>
    public const int HexDigits = 12;

    /// <summary>The shape in words, for messages.</summary>
    public const string Rule = "'key_' and 12 lower-case hex digits, as the tenant's keys are listed";

    public static bool IsWellFormed(string? value) => value is not null && Pattern().IsMatch(value);

    // \z, not $: $ also matches before a final "\n".
    [GeneratedRegex(@"\Akey_[0-9a-f]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
