using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.Tenants;

/// <summary>Tenant ids: 1 to 63 lower-case letters, digits and '-', starting with a letter or digit.</summary>
public static partial class TenantId
{
    /// <summary>The rule in words, for messages.</summary>
    public const string Rule = "1 to 63 lower-case letters, digits and '-', starting with a letter or digit";

    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    // \z, not $: $ also matches before a final "\n", which would let "t\n" through.
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
