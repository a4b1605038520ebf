using System.Diagnostics.CodeAnalysis;
using MaxMind.Db;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Enrichment;

/// <summary>
/// A tenant's enrichment, built once from its <see cref="EnrichmentSettings"/>: static fields (an event's
/// own field wins), then each lookup table in order, then GeoIP. Thread-safe; dispose it when the
/// settings change or the activation ends (it holds the GeoIP file open).
/// </summary>
public sealed partial class Enricher : IDisposable
{
    private readonly KeyValuePair<string, AttributeValue>[] _static;
    private readonly CsvLookupTable[] _tables;
    private readonly GeoIpLookup? _geoIp;

    private Enricher(KeyValuePair<string, AttributeValue>[] staticFields, CsvLookupTable[] tables, GeoIpLookup? geoIp)
    {
        _static = staticFields;
        _tables = tables;
        _geoIp = geoIp;
    }

    /// <summary>True when the settings add nothing: events pass through unchanged.</summary>
    public bool IsEmpty => _static.Length == 0 && _tables.Length == 0 && _geoIp is null;

    /// <summary>
    /// Loads tables and opens the GeoIP database. A failure (invalid settings, missing file, bad CSV)
    /// is the reason to dead-letter the tenant's events until its settings are fixed.
    /// </summary>
    public static bool TryCreate(EnrichmentSettings settings, ILogger logger, [NotNullWhen(true)] out Enricher? enricher, [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logger);
        enricher = null;
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            failure = "Invalid enrichment settings: " + string.Join(" ", errors);
            return false;
        }

        var tables = new List<CsvLookupTable>(settings.LookupTables.Count);
        foreach (var tableSettings in settings.LookupTables)
        {
            if (!CsvLookupTable.TryLoad(tableSettings, out var table, out failure))
            {
                LogEnrichmentUnavailable(logger, failure);
                return false;
            }

            LogTableLoaded(logger, table.Name, table.Count);
            tables.Add(table);
        }

        GeoIpLookup? geoIp = null;
        if (settings.GeoIp is { } geo && !GeoIpLookup.TryOpen(geo, out geoIp, out failure))
        {
            LogEnrichmentUnavailable(logger, failure);
            return false;
        }

        var statics = settings.StaticFields.Select(static f => new KeyValuePair<string, AttributeValue>(f.Key, f.Value)).ToArray();
        enricher = new Enricher(statics, [.. tables], geoIp);
        failure = null;
        return true;
    }

    /// <summary>Enriches one event; false only when the GeoIP database turns out corrupt.</summary>
    public bool TryEnrich(NormalizedEvent normalized, [NotNullWhen(true)] out NormalizedEvent? enriched, [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        failure = null;
        if (IsEmpty)
        {
            enriched = normalized;
            return true;
        }

        var attributes = new Dictionary<string, AttributeValue>(normalized.Attributes, StringComparer.Ordinal);
        foreach (var field in _static)
        {
            attributes.TryAdd(field.Key, field.Value);
        }

        foreach (var table in _tables)
        {
            if (table.TryMatch(normalized, out var columns))
            {
                foreach (var column in columns)
                {
                    attributes[column.Key] = column.Value;
                }
            }
        }

        if (_geoIp is not null)
        {
            try
            {
                _geoIp.AddTo(normalized, attributes);
            }
            catch (InvalidDatabaseException e)
            {
                enriched = null;
                failure = $"GeoIP: the database is corrupt ({e.Message}); replace the tenant's .mmdb file and replay the dead letters.";
                return false;
            }
        }

        enriched = normalized with { Attributes = attributes };
        return true;
    }

    /// <summary>Enriches a batch, keeping the order; failed events are returned with their reasons.</summary>
    public EnrichmentResult Enrich(IReadOnlyList<NormalizedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (IsEmpty)
        {
            return new EnrichmentResult(events, []);
        }

        var enriched = new List<NormalizedEvent>(events.Count);
        List<EventFailure>? failures = null;
        for (var position = 0; position < events.Count; position++)
        {
            if (TryEnrich(events[position], out var result, out var failure))
            {
                enriched.Add(result);
            }
            else
            {
                (failures ??= []).Add(new EventFailure(position, events[position], failure));
            }
        }

        return new EnrichmentResult(enriched, failures ?? (IReadOnlyList<EventFailure>)[]);
    }

    public void Dispose() => _geoIp?.Dispose();
}
