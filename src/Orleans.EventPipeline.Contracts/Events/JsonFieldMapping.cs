namespace Orleans.EventPipeline.Events;

/// <summary>
/// Which fields of a JSON event fill the schema's fields. Names are matched after nested objects are
/// flattened, so <c>"log.level"</c> matches <c>{"log":{"level":"warn"}}</c>. A null name maps nothing;
/// every field not mapped becomes an attribute.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record JsonFieldMapping
{
    /// <summary>Event time: RFC 3339 text, or unix seconds / milliseconds as a number or digits.</summary>
    [Id(0)] public string? Timestamp { get; init; } = "timestamp";

    /// <summary>Severity: a level name ("warn", "error"…) or an OpenTelemetry severity number 1-24.</summary>
    [Id(1)] public string? Severity { get; init; } = "level";

    /// <summary>The message, kept as the body.</summary>
    [Id(2)] public string? Body { get; init; } = "message";

    /// <summary>Resource <c>host.name</c>.</summary>
    [Id(3)] public string? Host { get; init; } = "host";

    /// <summary>Resource <c>service.name</c>.</summary>
    [Id(4)] public string? App { get; init; } = "app";

    public IReadOnlyList<string> Validate(string path)
    {
        var errors = new List<string>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (setting, field) in new[]
        {
            (nameof(Timestamp), Timestamp), (nameof(Severity), Severity), (nameof(Body), Body), (nameof(Host), Host), (nameof(App), App),
        })
        {
            if (field is null)
            {
                continue;
            }

            if (string.IsNullOrWhiteSpace(field))
            {
                errors.Add($"{path}.{setting} is blank: name a JSON field (dotted for nested, e.g. \"log.level\") or set it to null to map nothing.");
            }
            else if (!seen.TryAdd(field, setting))
            {
                errors.Add($"{path}.{setting} maps field \"{field}\" that {path}.{seen[field]} already maps: give each schema field its own JSON field.");
            }
        }

        return errors;
    }
}
