namespace Orleans.EventPipeline.Events;

/// <summary>A tenant's enrichment: static fields, then lookup tables, then GeoIP.</summary>
[GenerateSerializer, Immutable]
public sealed record EnrichmentSettings
{
    /// <summary>
    /// Characters of static field names and values in all: 65,536. Each is added to every event of the tenant, so
    /// 17 MB of them (150,000 fields, once accepted) made a 16-byte event archive as 15 MB; this is a quarter of the
    /// largest event by default. Reference data belongs in a lookup table, which adds only the matched row.
    /// </summary>
    public const int MaxStaticFieldCharacters = 65_536;

    /// <summary>Attributes added to every event, e.g. <c>env = prod</c>; an event's own field wins.</summary>
    [Id(0)] public IReadOnlyDictionary<string, string> StaticFields { get; init; } = new Dictionary<string, string>();

    [Id(1)] public IReadOnlyList<LookupTableSettings> LookupTables { get; init; } = [];

    /// <summary>Null turns GeoIP off.</summary>
    [Id(2)] public GeoIpSettings? GeoIp { get; init; }

    public bool Equals(EnrichmentSettings? other) =>
        other is not null
        && StructuralEquality.Equal(StaticFields, other.StaticFields)
        && StructuralEquality.Equal(LookupTables, other.LookupTables)
        && GeoIp == other.GeoIp;

    public override int GetHashCode() => HashCode.Combine(StructuralEquality.Count(StaticFields), StructuralEquality.Count(LookupTables), GeoIp);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();

        // JSON null binds to null here; the enricher would dereference it at activation, so it is refused, not stored.
        if (StaticFields is null)
        {
            errors.Add("Enrichment.StaticFields is null: omit it for no static fields, or give an object ({} for none).");
        }

        if (LookupTables is null)
        {
            errors.Add("Enrichment.LookupTables is null: omit it for no lookup tables, or give a list ([] for none).");
        }

        foreach (var key in (StaticFields ?? new Dictionary<string, string>()).Keys.Where(string.IsNullOrWhiteSpace))
        {
            errors.Add($"Enrichment.StaticFields has a blank name \"{key}\": name each static attribute.");
        }

        var characters = (StaticFields ?? new Dictionary<string, string>()).Sum(static field => (long)field.Key.Length + (field.Value?.Length ?? 0));
        if (characters > MaxStaticFieldCharacters)
        {
            errors.Add($"Enrichment.StaticFields holds {characters} characters of names and values: at most {MaxStaticFieldCharacters}, as each is added to every event; put reference data in a lookup table.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var tables = LookupTables ?? [];
        for (var i = 0; i < tables.Count; i++)
        {
            var path = $"Enrichment.LookupTables[{i}]";
            if (tables[i] is null)
            {
                errors.Add($"{path} is null: remove it or give a LookupTableSettings.");
                continue;
            }

            errors.AddRange(tables[i].Validate(path));
            if (!string.IsNullOrWhiteSpace(tables[i].Name) && !names.Add(tables[i].Name))
            {
                errors.Add($"{path}.Name \"{tables[i].Name}\" is used twice: give each table its own name.");
            }
        }

        if (GeoIp is not null)
        {
            errors.AddRange(GeoIp.Validate("Enrichment.GeoIp"));
        }

        return errors;
    }
}
