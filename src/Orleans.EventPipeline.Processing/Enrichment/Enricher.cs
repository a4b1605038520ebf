using System.Diagnostics.CodeAnalysis;
using MaxMind.Db;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Processing.Normalization;
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

    /// <summary>
    /// The attribute that says why an event was archived without (part of) its enrichment: a table file or GeoIP
    /// database this silo could not load or read. Its value is the reason.
    /// </summary>
    public const string ErrorAttribute = "enrichment.error";

    /// <summary>
    /// Why the enricher stopped adding GeoIP fields: its database turned out corrupt during a lookup (it opened). Null
    /// while it works. Events are marked with it; enrichment built again from a replaced file may work.
    /// </summary>
    public string? Failure => Volatile.Read(ref _failure);

    private string? _failure;

    /// <summary>True when the settings add nothing: events pass through unchanged.</summary>
    public bool IsEmpty => _static.Length == 0 && _tables.Length == 0 && _geoIp is null;

    /// <summary>
    /// Loads tables and opens the GeoIP database, files only from <paramref name="lookups"/>. A failure (invalid
    /// settings, a file outside the directory or missing, bad CSV) is the reason the tenant's events carry in
    /// <see cref="ErrorAttribute"/> (<see cref="Unenriched"/>) until it loads.
    /// </summary>
    public static bool TryCreate(EnrichmentSettings settings, LookupDirectory lookups, ILogger logger, [NotNullWhen(true)] out Enricher? enricher, [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(lookups);
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
            if (!CsvLookupTable.TryLoad(tableSettings, lookups, out var table, out failure))
            {
                LogEnrichmentUnavailable(logger, failure);
                return false;
            }

            LogTableLoaded(logger, table.Name, table.Count);
            tables.Add(table);
        }

        GeoIpLookup? geoIp = null;
        if (settings.GeoIp is { } geo && !GeoIpLookup.TryOpen(geo, lookups, out geoIp, out failure))
        {
            LogEnrichmentUnavailable(logger, failure);
            return false;
        }

        var statics = settings.StaticFields.Select(static f => new KeyValuePair<string, AttributeValue>(f.Key, f.Value)).ToArray();
        enricher = new Enricher(statics, [.. tables], geoIp);
        failure = null;
        return true;
    }

    /// <summary>
    /// Enriches one event. A GeoIP database that turns out corrupt is the silo's fault, not the event's: the event
    /// keeps what the static fields and tables added and carries the reason in <see cref="ErrorAttribute"/>.
    /// </summary>
    public NormalizedEvent Enrich(NormalizedEvent normalized)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        if (IsEmpty)
        {
            return normalized;
        }

        var attributes = new Dictionary<string, AttributeValue>(normalized.Attributes, StringComparer.Ordinal);
        foreach (var field in _static)
        {
            attributes.TryAdd(field.Key, field.Value);
        }

        // A column or GeoIP field named like one of the event's own fields has the name, and the event's value moves to
        // {name}#1, as a name given twice does: a table with no prefix wrote over the sender's fields (helper-110).
        var names = new RepeatedNames();
        foreach (var table in _tables)
        {
            if (table.TryMatch(normalized, out var columns))
            {
                foreach (var column in columns)
                {
                    names.Set(attributes, column.Key, column.Value);
                }
            }
        }

        if (_geoIp is not null)
        {
            try
            {
                _geoIp.AddTo(normalized, attributes, ref names);
            }
            catch (InvalidDatabaseException e)
            {
                var failure = $"GeoIP: the database is corrupt ({e.Message}); put a good .mmdb file in its place (write it beside, then rename it over the old one: a file changed in place under a reader can crash the silo).";
                Volatile.Write(ref _failure, failure);
                Mark(attributes, failure);
                ProcessingInstruments.RecordUnenriched(normalized.TenantId, 1);
            }
        }

        return normalized with { Attributes = attributes };
    }

    /// <summary>Enriches a batch, keeping the order; every event comes back.</summary>
    public IReadOnlyList<NormalizedEvent> Enrich(IReadOnlyList<NormalizedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (IsEmpty)
        {
            return events;
        }

        var enriched = new NormalizedEvent[events.Count];
        for (var position = 0; position < enriched.Length; position++)
        {
            enriched[position] = Enrich(events[position]);
        }

        return enriched;
    }

    /// <summary>
    /// What the files <paramref name="settings"/> reads look like now (each path's file in <paramref name="lookups"/>, its
    /// length and last write time, or that it cannot be read or leads out of the directory, which is not looked at), to
    /// load enrichment that failed again only once one of them changed: a table of 64 MiB is read whole by each try, and
    /// a missing file costs only a check of each path.
    /// </summary>
    public static string FilesFingerprint(EnrichmentSettings settings, LookupDirectory lookups)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(lookups);
        var paths = settings.LookupTables.Select(static t => t.Path).Append(settings.GeoIp?.DatabasePath).OfType<string>();
        return string.Join('\n', paths.Select(path =>
        {
            try
            {
                if (!lookups.TryResolve(path, out var resolved, out _))
                {
                    return path + "|outside";
                }

                var file = new FileInfo(resolved);
                return file.Exists ? $"{path}|{resolved}|{file.Length}|{file.LastWriteTimeUtc.Ticks}" : $"{path}|{resolved}|absent";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return $"{path}|{e.GetType().Name}";
            }
        }));
    }

    /// <summary>
    /// The events as parsed, each carrying <paramref name="reason"/> (why the tenant's enrichment could not load on
    /// this silo) in <see cref="ErrorAttribute"/>: archived, not dead-lettered, since the fault is the silo's, not the
    /// events', and a missing file would send every event of the tenant out of the archive.
    /// </summary>
    public static IReadOnlyList<NormalizedEvent> Unenriched(IReadOnlyList<NormalizedEvent> events, string reason)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(reason);
        if (events.Count == 0)
        {
            return events;
        }

        var marked = new NormalizedEvent[events.Count];
        for (var position = 0; position < marked.Length; position++)
        {
            var attributes = new Dictionary<string, AttributeValue>(events[position].Attributes, StringComparer.Ordinal);
            Mark(attributes, reason);
            marked[position] = events[position] with { Attributes = attributes };
        }

        ProcessingInstruments.RecordUnenriched(events[0].TenantId, marked.Length);
        return marked;
    }

    /// <summary>
    /// Sets <see cref="ErrorAttribute"/>; an event's own field of that name is kept as <c>enrichment.error#n</c>
    /// (the first such name free), as the parsers keep a repeated name, so a sender cannot hide the mark.
    /// </summary>
    private static void Mark(Dictionary<string, AttributeValue> attributes, string reason) =>
        new RepeatedNames().Set(attributes, ErrorAttribute, reason);

    public void Dispose() => _geoIp?.Dispose();
}
