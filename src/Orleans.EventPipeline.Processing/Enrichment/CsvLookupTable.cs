using System.Diagnostics.CodeAnalysis;
using nietras.SeparatedValues;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Enrichment;

/// <summary>
/// A CSV table indexed once by its key column: an event whose match field equals a key gets the row's
/// other columns as <c>{prefix}{column}</c> attributes. Keys compare ordinally; the first row of a
/// duplicated key wins. Immutable after load, so one instance serves every activation.
/// </summary>
public sealed class CsvLookupTable
{
    private readonly Dictionary<string, KeyValuePair<string, AttributeValue>[]> _rows;

    private CsvLookupTable(string name, string matchField, Dictionary<string, KeyValuePair<string, AttributeValue>[]> rows)
    {
        Name = name;
        MatchField = matchField;
        _rows = rows;
    }

    public string Name { get; }

    public string MatchField { get; }

    public int Count => _rows.Count;

    /// <summary>Loads and indexes the table; a missing file, a missing key column or broken quoting is a failure.</summary>
    public static bool TryLoad(LookupTableSettings settings, [NotNullWhen(true)] out CsvLookupTable? table, [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        table = null;
        var where = $"Lookup table \"{settings.Name}\"";
        List<string[]> rows;
        try
        {
            // File.ReadAllText drops a byte-order mark; tables are read once per load, whole.
            rows = ReadRows(settings.Content ?? File.ReadAllText(settings.Path!), out var csvFailure);
            if (csvFailure is not null)
            {
                failure = $"{where}: {csvFailure}";
                return false;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = $"{where}: cannot read \"{settings.Path}\" ({e.Message}); put the CSV file on every silo at that path or give the CSV as Content.";
            return false;
        }

        if (rows.Count == 0)
        {
            failure = $"{where} is empty; its first row must be the header naming the columns.";
            return false;
        }

        var header = rows[0];
        var keyColumn = Array.IndexOf(header, settings.KeyColumn);
        if (keyColumn < 0)
        {
            failure = $"{where} has no column \"{settings.KeyColumn}\" (header: {string.Join(", ", header)}); set KeyColumn to one of them.";
            return false;
        }

        var prefix = settings.EffectivePrefix;
        var names = header.Select(column => prefix + column).ToArray();
        var index = new Dictionary<string, KeyValuePair<string, AttributeValue>[]>(rows.Count, StringComparer.Ordinal);
        for (var r = 1; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Length <= keyColumn)
            {
                continue;
            }

            var values = new List<KeyValuePair<string, AttributeValue>>(header.Length - 1);
            for (var c = 0; c < Math.Min(row.Length, header.Length); c++)
            {
                if (c != keyColumn)
                {
                    values.Add(new(names[c], row[c]));
                }
            }

            index.TryAdd(row[keyColumn], [.. values]);
        }

        table = new CsvLookupTable(settings.Name, settings.MatchField, index);
        failure = null;
        return true;
    }

    /// <summary>
    /// RFC 4180 rows (Sep): comma-separated, a field in double quotes may hold commas, doubled quotes and
    /// line breaks; rows end at LF or CRLF; blank lines are skipped; rows may differ in length.
    /// </summary>
    private static List<string[]> ReadRows(string content, out string? failure)
    {
        var rows = new List<string[]>();
        var lastRowLine = 1;
        using (var reader = Sep.Reader(static options => options with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).FromText(content))
        {
            foreach (var row in reader)
            {
                if (row.Span.Length == 0)
                {
                    continue;
                }

                var fields = new string[row.ColCount];
                for (var c = 0; c < fields.Length; c++)
                {
                    fields[c] = row[c].ToString();
                }

                lastRowLine = rows.Count == 0 ? 1 : row.LineNumberFrom;
                rows.Add(fields);
            }
        }

        // Sep reads a quote that is never closed as a field running to the end of the table; only an odd
        // number of quotes in the whole table tells it apart (every well-formed quote has its pair).
        failure = content.AsSpan().Count('"') % 2 == 1
            ? $"a quoted field opened on line {lastRowLine} is never closed; close it with '\"' and write a quote inside as '\"\"'."
            : null;
        return rows;
    }

    /// <summary>The columns to add for the event, or false when its match field is absent or unknown.</summary>
    public bool TryMatch(NormalizedEvent normalized, out ReadOnlySpan<KeyValuePair<string, AttributeValue>> columns)
    {
        if (EventFields.TryGet(normalized, MatchField, out var key) && _rows.TryGetValue(key, out var row))
        {
            columns = row;
            return true;
        }

        columns = default;
        return false;
    }
}
