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
    /// <summary>
    /// The most a table's file may hold, 64 MiB (about 300,000 rows of 200 bytes): it is read whole, per tenant processor,
    /// and a path naming a device (<c>/dev/zero</c>) or a huge file must cost no silo its memory.
    /// </summary>
    public const int MaxFileBytes = 64 * 1024 * 1024;

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

    /// <summary>
    /// Loads and indexes the table; a file outside <paramref name="lookups"/>, a missing file, a missing key column or
    /// broken quoting is a failure.
    /// </summary>
    public static bool TryLoad(LookupTableSettings settings, LookupDirectory lookups, [NotNullWhen(true)] out CsvLookupTable? table, [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(lookups);
        table = null;
        var where = $"Lookup table \"{settings.Name}\"";
        List<string[]> rows;
        try
        {
            string? file = null;
            if (settings.Content is null && !lookups.TryResolve(settings.Path!, out file, out var outside))
            {
                failure = $"{where}: {outside}";
                return false;
            }

            // A mark at the start of Content too: text pasted from a file saved by a Windows tool keeps it (helper-110).
            if ((settings.Content?.TrimStart('\uFEFF') ?? ReadFile(file!)) is not { } content)
            {
                failure = $"{where}: \"{settings.Path}\" holds more than {MaxFileBytes / (1024 * 1024)} MiB; a lookup table is read whole by every processor of the tenant.";
                return false;
            }

            rows = ReadRows(content, out var csvFailure);
            if (csvFailure is not null)
            {
                failure = $"{where}: {csvFailure}";
                return false;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // ArgumentException: a path the system refuses (a NUL in it).
            failure = $"{where}: cannot read \"{settings.Path}\" ({e.Message}); put the CSV file at that path in the lookup directory of every silo, or give the CSV as Content.";
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
            // The header is named only for a table given as Content: a file's first line may be anything in the lookup
            // directory (a file the operator put there for another use), and this message reaches the admin API's caller.
            failure = settings.Content is null
                ? $"{where} has no column \"{settings.KeyColumn}\" in the first row of \"{settings.Path}\"; set KeyColumn to the header of the key column."
                : $"{where} has no column \"{settings.KeyColumn}\" (header: {string.Join(", ", header)}); set KeyColumn to one of them.";
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

    /// <summary>The file's text without a byte-order mark; null when it holds more than <see cref="MaxFileBytes"/>.</summary>
    private static string? ReadFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > MaxFileBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        return System.Text.Encoding.UTF8.GetString(bytes.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes);
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
