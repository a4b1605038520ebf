using System.Text;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>Builds the output records of the parsers.</summary>
internal static class EventFactory
{
    /// <summary>Shared by every event without resource fields; never mutated.</summary>
    public static readonly Dictionary<string, string> NoResource = new(0, StringComparer.Ordinal);

    public static NormalizedEvent Create(
        in EventContext context,
        DateTimeOffset? timestamp,
        int severityNumber,
        string? severityText,
        string body,
        Dictionary<string, AttributeValue> attributes,
        Dictionary<string, string>? resource,
        SourceFormat format) =>
        new(context.TenantId, context.EventId, context.IngestTime, timestamp, context.IngestTime,
            severityNumber, severityText, body, attributes, resource ?? NoResource, format);

    public static string Text(ReadOnlySpan<byte> utf8) => utf8.IsEmpty ? string.Empty : Encoding.UTF8.GetString(utf8);

    public static Dictionary<string, string> Resource(string? host, string? app)
    {
        if (host is null && app is null)
        {
            return NoResource;
        }

        var resource = new Dictionary<string, string>(2, StringComparer.Ordinal);
        if (host is not null) { resource[ResourceNames.Host] = host; }
        if (app is not null) { resource[ResourceNames.Service] = app; }
        return resource;
    }
}
