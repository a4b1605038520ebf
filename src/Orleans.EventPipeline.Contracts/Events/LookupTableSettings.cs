namespace Orleans.EventPipeline.Events;

/// <summary>
/// A CSV lookup table: the row whose <see cref="KeyColumn"/> equals the event's <see cref="MatchField"/>
/// adds its other columns as attributes named <c>{Prefix}{column}</c>. The first CSV row is the header.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LookupTableSettings
{
    /// <summary>Names the table in errors and in the default prefix.</summary>
    [Id(0)] public string Name { get; init; } = string.Empty;

    /// <summary>CSV file on the silo's disk; give this or <see cref="Content"/>.</summary>
    [Id(1)] public string? Path { get; init; }

    /// <summary>The CSV text itself; give this or <see cref="Path"/>.</summary>
    [Id(2)] public string? Content { get; init; }

    /// <summary>Attribute (or resource name such as <c>host.name</c>) whose value is looked up.</summary>
    [Id(3)] public string MatchField { get; init; } = string.Empty;

    /// <summary>Header name of the key column.</summary>
    [Id(4)] public string KeyColumn { get; init; } = string.Empty;

    /// <summary>Prefix of the added attributes; null means <c>lookup.{Name}.</c>.</summary>
    [Id(5)] public string? Prefix { get; init; }

    public string EffectivePrefix => Prefix ?? $"lookup.{Name}.";

    public IReadOnlyList<string> Validate(string path)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add($"{path}.Name is blank: name the table, e.g. \"assets\".");
        }

        if ((Path is null) == (Content is null))
        {
            errors.Add($"{path}: set exactly one of Path (a CSV file on the silo) or Content (the CSV text).");
        }

        if (string.IsNullOrWhiteSpace(MatchField))
        {
            errors.Add($"{path}.MatchField is blank: name the event attribute to look up, e.g. \"host.name\".");
        }

        if (string.IsNullOrWhiteSpace(KeyColumn))
        {
            errors.Add($"{path}.KeyColumn is blank: name the CSV header column that holds the keys.");
        }

        return errors;
    }
}
