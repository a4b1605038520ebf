using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// The JSON settings of every HTTP answer and admin request body: enums as camelCase names
/// (<c>"textFormat":"cef"</c>), ids as 32 hex digits. Numbers and any Guid format are still read, so
/// clients written against the earlier answers keep working.
/// </summary>
public static class ApiJson
{
    public static void Configure(JsonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: true));
        options.SerializerOptions.Converters.Add(new HexGuidConverter());
    }

    /// <summary>
    /// A batch id is written as the prefix of its events' ids (<c>{batchId:N}:{index}</c>), so the ingest
    /// answer's <c>batchId</c> and a dead letter's are the same string.
    /// </summary>
    private sealed class HexGuidConverter : JsonConverter<Guid>
    {
        public override Guid Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Guid.TryParse(reader.GetString(), out var value) ? value : throw new JsonException("is not an id: use 32 hex digits.");

        public override void Write(Utf8JsonWriter writer, Guid value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            Span<char> text = stackalloc char[32];
            value.TryFormat(text, out _, "N");
            writer.WriteStringValue(text);
        }
    }
}
