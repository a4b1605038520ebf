using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>Body of <c>POST /admin/v1/tenants/{id}/keys</c>; the name defaults to <c>default</c>.</summary>
public sealed record IssueKeyRequest(string? Name)
{
    /// <summary>Longest key name, in the API and on the tenant page.</summary>
    public const int MaxNameLength = 100;

    /// <summary>What is wrong with <paramref name="name"/>, or null when it can be a key's name.</summary>
    public static string? NameProblem(string? name) => name switch
    {
        { Length: > MaxNameLength } => $"name is {name.Length} characters long: use at most {MaxNameLength}.",
        not null when PrintableText.FirstControlCharacter(name) is var at and >= 0 => PrintableText.ControlCharacterProblem("name", name, at),
        _ => null,
    };

    /// <summary>The 400 message for a member sent as JSON null: omitted, the name is <c>default</c>; null is refused like every null of the admin API.</summary>
    public static string? NullProblem(string member) =>
        string.Equals(member, "name", StringComparison.OrdinalIgnoreCase) ? "name is null: omit it for \"default\", or give the key a name." : null;
}

/// <summary>
/// Answer of issuing or rotating a key: <see cref="ApiKey"/> is the secret, shown this once and never again
/// (only its SHA-256 is stored); <see cref="Replaces"/> is the rotated key, which works until it is revoked.
/// </summary>
public sealed record IssuedKeyAnswer(string KeyId, string ApiKey, string Name, string Prefix, string? Replaces = null)
{
    // A record's generated ToString would print the secret wherever the answer is logged.
    public override string ToString() => $"IssuedKeyAnswer {{ KeyId = {KeyId}, Prefix = {Prefix} }}";
}

/// <summary>Answer of <c>GET /admin/v1/tenants/{id}/keys</c>.</summary>
public sealed record KeyList(string TenantId, IReadOnlyList<Tenants.ApiKeyInfo> Keys);
