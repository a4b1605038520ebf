namespace Orleans.EventPipeline.Events;

/// <summary>A tenant's parser choices: defaults, and overrides per named source.</summary>
[GenerateSerializer, Immutable]
public sealed record NormalizationSettings
{
    /// <summary>Parser for text events of sources without an override.</summary>
    [Id(0)] public TextFormat TextFormat { get; init; } = TextFormat.Auto;

    /// <summary>Field mapping for JSON events of sources without an override.</summary>
    [Id(1)] public JsonFieldMapping Json { get; init; } = new();

    /// <summary>Overrides by source name (case-sensitive).</summary>
    [Id(2)] public IReadOnlyDictionary<string, SourceSettings> Sources { get; init; } = new Dictionary<string, SourceSettings>();

    public bool Equals(NormalizationSettings? other) =>
        other is not null && TextFormat == other.TextFormat && Json == other.Json && StructuralEquality.Equal(Sources, other.Sources);

    public override int GetHashCode() => HashCode.Combine(TextFormat, Json, StructuralEquality.Count(Sources));

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(TextFormat))
        {
            errors.Add($"Normalization.TextFormat {(int)TextFormat} is unknown: use one of {string.Join(", ", Enum.GetNames<TextFormat>())}.");
        }

        if (Json is null)
        {
            errors.Add("Normalization.Json is null: give a JsonFieldMapping (new() maps timestamp, level, message, host, app).");
        }
        else
        {
            errors.AddRange(Json.Validate("Normalization.Json"));
        }

        // JSON null binds to null here; the parsers would dereference it at activation, so it is refused, not stored.
        if (Sources is null)
        {
            errors.Add("Normalization.Sources is null: omit it for no per-source overrides, or give an object ({} for none).");
        }

        foreach (var (name, source) in Sources ?? new Dictionary<string, SourceSettings>())
        {
            var path = $"Normalization.Sources[\"{name}\"]";
            if (string.IsNullOrWhiteSpace(name))
            {
                errors.Add("Normalization.Sources has a blank source name: name the source as clients send it.");
            }

            if (source is null)
            {
                errors.Add($"{path} is null: remove the entry or give it a SourceSettings.");
                continue;
            }

            if (!Enum.IsDefined(source.TextFormat))
            {
                errors.Add($"{path}.TextFormat {(int)source.TextFormat} is unknown: use one of {string.Join(", ", Enum.GetNames<TextFormat>())}.");
            }

            if (source.Json is not null)
            {
                errors.AddRange(source.Json.Validate(path + ".Json"));
            }
        }

        return errors;
    }
}
