using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.Tenants;

/// <summary>Tenant ids: 1 to 63 lower-case letters, digits and '-', starting with a letter or digit.</summary>
public static partial class TenantId
{
    /// <summary>The rule in words, for messages.</summary>
    public const string Rule = "1 to 63 lower-case letters, digits and '-', starting with a letter or digit";

    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    /// <summary>
    /// The silo's own tenant, whose events a starting gateway sends through its own pipeline before it reports ready
    /// (<c>Pipeline:Warmup</c>). Outside <see cref="Rule"/>, so no tenant an administrator creates can be it, and the
    /// admin API and the dashboard's pages, which take valid ids only, never list or change it. Its events are carried
    /// like a tenant's: the users' own stream subscribers receive them too, and should skip this tenant.
    /// </summary>
    public const string Warmup = "_warmup";

    /// <summary>A tenant whose events the pipeline carries: a <see cref="IsValid">valid</see> id or <see cref="Warmup"/>.</summary>
    public static bool IsValidOrWarmup(string? value) => value == Warmup || IsValid(value);

    // \z, not $: $ also matches before a final "\n", which would let "t\n" through.
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
