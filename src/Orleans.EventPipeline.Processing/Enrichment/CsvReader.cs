using System.Text;

namespace Orleans.EventPipeline.Processing.Enrichment;

/// <summary>
/// RFC 4180 CSV: comma-separated fields, a field in double quotes may hold commas, quotes (doubled) and
/// line breaks; rows end at LF or CRLF; blank lines are skipped. Read once when a table loads.
/// </summary>
internal static class CsvReader
{
    public static List<string[]> ReadAll(TextReader reader, out string? failure)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var fieldStarted = false;
        var line = 1;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n') { line++; }
                    field.Append((char)c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    fieldStarted = true;
                    break;
                case ',':
                    row.Add(field.ToString());
                    field.Clear();
                    fieldStarted = true;
                    break;
                case '\r' when reader.Peek() == '\n':
                    break;
                case '\n':
                    EndRow(rows, row, field, fieldStarted);
                    fieldStarted = false;
                    line++;
                    break;
                default:
                    field.Append((char)c);
                    fieldStarted = true;
                    break;
            }
        }

        if (quoted)
        {
            failure = $"a quoted field opened before line {line} is never closed; close it with '\"' and write a quote inside as '\"\"'.";
            return rows;
        }

        EndRow(rows, row, field, fieldStarted);
        failure = null;
        return rows;
    }

    private static void EndRow(List<string[]> rows, List<string> row, StringBuilder field, bool fieldStarted)
    {
        if (fieldStarted || field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add([.. row]);
        }

        row.Clear();
        field.Clear();
    }
}
