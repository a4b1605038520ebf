namespace Orleans.EventPipeline.Events;

// The kinds are named after OpenTelemetry's AnyValue (string, int, double, bool) on purpose.
#pragma warning disable CA1720

/// <summary>The type of an <see cref="AttributeValue"/>; JSON string, integer, number or boolean.</summary>
public enum AttributeKind
{
    String = 0,
    Int = 1,
    Double = 2,
    Bool = 3,
}
