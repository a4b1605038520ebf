using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// What is wrong with settings an operator sends, before they are stored: their own rules, per-source parsing that
/// nothing would apply, then whether the enrichment's lookup tables and GeoIP database load here, from the lookup
/// directory only (a path that leads out of it is refused unread). Stored, enrichment
/// that cannot load would archive every event of the tenant without it (marked <c>enrichment.error</c>), so it is
/// refused with its reason instead.
/// </summary>
public static class TenantSettingsCheck
{
    /// <summary>Every problem, each starting with the field it is about; empty when the settings can be stored.</summary>
    public static IReadOnlyList<string> Problems(TenantSettings settings, LookupDirectory lookups)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(lookups);
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            return problems;
        }

        // The normalizer can parse per named source, but no request names its source yet: stored, these settings
        // would be taken and never applied.
        if (settings.Processing?.Normalization?.Sources is { Count: > 0 } sources)
        {
            return [$"processing.normalization.sources names {sources.Count} source(s) ({string.Join(", ", sources.Keys)}), but no request names its source yet, so they would never be applied: set the tenant's own json mapping and textFormat instead, or send each source's events with a key of a tenant of its own. Nothing was stored."];
        }

        if (settings.Processing?.Enrichment is not { } enrichment)
        {
            return problems;
        }

        // Loaded as a processor loads them, then let go: a table's file is read once here and again by each processor.
        if (!Enricher.TryCreate(enrichment, lookups, NullLogger.Instance, out var enricher, out var failure))
        {
            return [$"processing.enrichment: {failure} (read on the silo that took this request; nothing was stored)."];
        }

        enricher.Dispose();
        return problems;
    }
}
