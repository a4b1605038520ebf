namespace Orleans.EventPipeline.Events;

/// <summary>How events of one named source of a tenant are parsed.</summary>
[GenerateSerializer, Immutable]
public sealed record SourceSettings
{
    /// <summary>Parser for the source's text events.</summary>
    [Id(0)] public TextFormat TextFormat { get; init; } = TextFormat.Auto;

    /// <summary>Field mapping for the source's JSON events; null uses the tenant's mapping.</summary>
    [Id(1)] public JsonFieldMapping? Json { get; init; }
}
