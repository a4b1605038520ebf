using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// Reads a JSON number that must be finite: <c>1e400</c> (which parses to infinity), <c>"NaN"</c> and
/// <c>"Infinity"</c> fail the binding with the field's path, instead of being stored and failing every
/// later answer that writes them back.
/// </summary>
public sealed class FiniteDoubleJsonConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        double value;
        if (reader.TokenType == JsonTokenType.Number)
        {
            // TryGetDouble is false for a literal outside double's range.
            if (!reader.TryGetDouble(out value))
            {
                value = double.PositiveInfinity;
            }
        }
        else if (reader.TokenType == JsonTokenType.String
            && double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            // The web defaults read numbers written as strings; the same check applies to them.
        }
        else
        {
            throw new JsonException("expected a number.");
        }

        return double.IsFinite(value) ? value : throw new JsonException("expected a finite number; NaN, Infinity and numbers beyond ±1.7e308 are not limits.");
    }

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value);
    }
}
