using System.Text.Json;

namespace Orleans.EventPipeline.Client.Spool;

/// <summary>Sources' positions as a flat JSON object of strings, the form the spool stores them in.</summary>
internal static class CheckpointCodec
{
    public static byte[] Encode(IReadOnlyDictionary<string, string> checkpoints)
    {
        if (checkpoints.Count == 0)
        {
            return [];
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (source, position) in checkpoints)
            {
                writer.WriteString(source, position);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static Dictionary<string, string> Decode(ReadOnlySpan<byte> json)
    {
        var checkpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json.IsEmpty)
        {
            return checkpoints;
        }

        var reader = new Utf8JsonReader(json);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var source = reader.GetString()!;
            reader.Read();
            checkpoints[source] = reader.GetString()!;
        }

        return checkpoints;
    }
}
