using System.Globalization;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;
using Orleans.EventPipeline.EventHubsEmulator.Log;

namespace Orleans.EventPipeline.EventHubsEmulator.Consuming;

/// <summary>
/// Reads the start position from a receiver's source filter: the selector
/// <c>apache.org:selector-filter:string</c>, e.g. <c>amqp.annotation.x-opt-offset &gt;= 42</c>.
/// </summary>
internal static class EventPositionFilter
{
    private static readonly AmqpSymbol SelectorFilterKey = "apache.org:selector-filter:string";
    private const string Prefix = "amqp.annotation.";

    /// <summary>Earliest when the source carries no selector; throws <see cref="FormatException"/> when it is unreadable.</summary>
    public static LogPosition Parse(Source? source)
    {
        if (source?.FilterSet is not { } filters || !filters.TryGetValue(SelectorFilterKey, out object? value) || value is null)
        {
            return LogPosition.Earliest;
        }

        string text = value switch
        {
            DescribedType described => described.Value as string ?? throw new FormatException("The selector filter does not hold a string."),
            string plain => plain,
            _ => throw new FormatException("The selector filter does not hold a string."),
        };

        return ParseText(text);
    }

    internal static LogPosition ParseText(string text)
    {
        string[] parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || !parts[0].StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"Unsupported event position filter '{text}'.");
        }

        string field = parts[0][Prefix.Length..];
        bool inclusive = parts[1] switch
        {
            ">=" => true,
            ">" => false,
            _ => throw new FormatException($"Unsupported comparison '{parts[1]}' in event position filter '{text}'."),
        };
        string operand = parts[2].Trim('\'');

        if (field.Equals("x-opt-offset", StringComparison.OrdinalIgnoreCase))
        {
            if (operand.Equals("@latest", StringComparison.OrdinalIgnoreCase))
            {
                return LogPosition.Latest;
            }

            long offset = ParseLong(operand, text);
            return offset < 0 ? LogPosition.Earliest : LogPosition.FromOffset(offset, inclusive);
        }

        if (field.Equals("x-opt-sequence-number", StringComparison.OrdinalIgnoreCase))
        {
            long sequenceNumber = ParseLong(operand, text);
            return sequenceNumber < 0 ? LogPosition.Earliest : LogPosition.FromSequenceNumber(sequenceNumber, inclusive);
        }

        if (field.Equals("x-opt-enqueued-time", StringComparison.OrdinalIgnoreCase))
        {
            return LogPosition.FromEnqueuedTime(DateTimeOffset.FromUnixTimeMilliseconds(ParseLong(operand, text)));
        }

        throw new FormatException($"Unsupported event position field '{field}' in filter '{text}'.");
    }

    private static long ParseLong(string operand, string text) =>
        long.TryParse(operand, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new FormatException($"'{operand}' in event position filter '{text}' is not an integer.");
}
