using System.Globalization;

namespace Orleans.EventPipeline.Events;

/// <summary>
/// One attribute value: a string, a 64-bit integer, a double or a boolean, the scalar types that map
/// one to one onto JSON. Nested objects are flattened into dotted keys and arrays kept as JSON text.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct AttributeValue
{
    private AttributeValue(AttributeKind kind, string? text, long integer, double number)
    {
        Kind = kind;
        Text = text;
        IntValue = integer;
        DoubleValue = number;
    }

    [Id(0)] public AttributeKind Kind { get; init; }

    /// <summary>The value of a <see cref="AttributeKind.String"/>.</summary>
    [Id(1)] public string? Text { get; init; }

    /// <summary>The value of an <see cref="AttributeKind.Int"/>, or 1/0 for a <see cref="AttributeKind.Bool"/>.</summary>
    [Id(2)] public long IntValue { get; init; }

    /// <summary>The value of a <see cref="AttributeKind.Double"/>.</summary>
    [Id(3)] public double DoubleValue { get; init; }

    public static AttributeValue Of(string value) => new(AttributeKind.String, value ?? string.Empty, 0, 0);

    public static AttributeValue Of(long value) => new(AttributeKind.Int, null, value, 0);

    public static AttributeValue Of(double value) => new(AttributeKind.Double, null, 0, value);

    public static AttributeValue Of(bool value) => new(AttributeKind.Bool, null, value ? 1 : 0, 0);

    public static implicit operator AttributeValue(string value) => Of(value);

    public static implicit operator AttributeValue(long value) => Of(value);

    public static implicit operator AttributeValue(double value) => Of(value);

    public static implicit operator AttributeValue(bool value) => Of(value);

    /// <summary>The value as invariant text: what lookups and GeoIP match against.</summary>
    public override string ToString() => Kind switch
    {
        AttributeKind.String => Text ?? string.Empty,
        AttributeKind.Int => IntValue.ToString(CultureInfo.InvariantCulture),
        AttributeKind.Double => DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        _ => IntValue != 0 ? "true" : "false",
    };
}
