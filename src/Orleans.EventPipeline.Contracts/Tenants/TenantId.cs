using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.Tenants;

/// <summary>Tenant ids: 1 to 63 lower-case letters, digits and '-', starting with a letter or digit.</summary>
public static partial class TenantId
{
    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
