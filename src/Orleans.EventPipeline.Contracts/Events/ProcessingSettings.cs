namespace Orleans.EventPipeline.Events;

/// <summary>All of a tenant's processing settings; the defaults parse, enrich nothing and order within 5 s.</summary>
[GenerateSerializer, Immutable]
public sealed record ProcessingSettings
{
    [Id(0)] public NormalizationSettings Normalization { get; init; } = new();

    [Id(1)] public EnrichmentSettings Enrichment { get; init; } = new();

    [Id(2)] public OrderingSettings Ordering { get; init; } = new();

    /// <summary>Every problem, each saying how to fix it; empty when the settings are usable.</summary>
    /// <summary>
    /// These settings with every missing part and null collection as its empty default: for settings stored
    /// before validation refused JSON nulls, which stopped the tenant's processor at activation. The same
    /// instance when there is nothing to repair.
    /// </summary>
    public ProcessingSettings WithoutNulls()
    {
        var normalization = Normalization ?? new NormalizationSettings();
        var enrichment = Enrichment ?? new EnrichmentSettings();
        var repaired = this with
        {
            Normalization = normalization.Sources is null ? normalization with { Sources = new Dictionary<string, SourceSettings>() } : normalization,
            Enrichment = enrichment with
            {
                StaticFields = enrichment.StaticFields ?? new Dictionary<string, string>(),
                LookupTables = enrichment.LookupTables ?? [],
            },
            Ordering = Ordering ?? new OrderingSettings(),
        };
        return ReferenceEquals(Normalization, repaired.Normalization) && Enrichment is { StaticFields: not null, LookupTables: not null } && Ordering is not null ? this : repaired;
    }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Normalization is null) { errors.Add("Normalization is null: omit it for the defaults or give a NormalizationSettings."); }
        else { errors.AddRange(Normalization.Validate()); }

        if (Enrichment is null) { errors.Add("Enrichment is null: omit it for no enrichment or give an EnrichmentSettings."); }
        else { errors.AddRange(Enrichment.Validate()); }

        if (Ordering is null) { errors.Add("Ordering is null: omit it for the defaults or give an OrderingSettings."); }
        else { errors.AddRange(Ordering.Validate()); }

        return errors;
    }
}
