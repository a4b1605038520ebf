using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Enrichment;

/// <summary>Reads a named field of an event: an attribute, else a resource field such as <c>host.name</c>.</summary>
internal static class EventFields
{
    public static bool TryGet(NormalizedEvent normalized, string field, out string value)
    {
        if (normalized.Attributes.TryGetValue(field, out var attribute))
        {
            value = attribute.ToString();
            return true;
        }

        if (normalized.Resource.TryGetValue(field, out var resource))
        {
            value = resource;
            return true;
        }

        value = string.Empty;
        return false;
    }
}
