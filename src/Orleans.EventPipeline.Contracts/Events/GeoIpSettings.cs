namespace Orleans.EventPipeline.Events;

/// <summary>GeoIP from a MaxMind DB (City layout) for the IP addresses in <see cref="IpFields"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record GeoIpSettings
{
    /// <summary>The .mmdb file on the silo's disk.</summary>
    [Id(0)] public string DatabasePath { get; init; } = string.Empty;

    /// <summary>Attributes holding IP addresses, e.g. <c>src</c>; each adds <c>{field}.geo.*</c>.</summary>
    [Id(1)] public IReadOnlyList<string> IpFields { get; init; } = [];

    public bool Equals(GeoIpSettings? other) =>
        other is not null && DatabasePath == other.DatabasePath && StructuralEquality.Equal(IpFields, other.IpFields);

    public override int GetHashCode() => HashCode.Combine(DatabasePath, StructuralEquality.Count(IpFields));

    public IReadOnlyList<string> Validate(string path)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(DatabasePath))
        {
            errors.Add($"{path}.DatabasePath is blank: give the path of a MaxMind City .mmdb file, or remove GeoIp.");
        }

        if (IpFields is null)
        {
            errors.Add($"{path}.IpFields is null: list one or more attribute names holding IP addresses, e.g. [\"src\"].");
        }
        else if (IpFields.Count == 0 || IpFields.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"{path}.IpFields must list one or more non-blank attribute names holding IP addresses, e.g. [\"src\"].");
        }

        return errors;
    }
}
