using System.Text.Json;
using Orleans.EventPipeline.Processing.Normalization;

namespace Orleans.EventPipeline.Silo.Gateway.Hec;

/// <summary>
/// HEC's <c>host</c>, <c>source</c>, <c>sourcetype</c> and <c>index</c>, carried as resource fields under the
/// names the OpenTelemetry Collector's Splunk HEC receiver gives them (docs/EVENT-SCHEMA.md).
/// </summary>
public struct HecMetadata
{
    public const string SourceName = "com.splunk.source";
    public const string SourceTypeName = "com.splunk.sourcetype";
    public const string IndexName = "com.splunk.index";

    public string? Host { get; set; }

    public string? Source { get; set; }

    public string? SourceType { get; set; }

    public string? Index { get; set; }

    /// <summary>The raw endpoint's metadata, from its query parameters.</summary>
    public static HecMetadata FromQuery(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new HecMetadata
        {
            Host = NullIfEmpty(query["host"].ToString()),
            Source = NullIfEmpty(query["source"].ToString()),
            SourceType = NullIfEmpty(query["sourcetype"].ToString()),
            Index = NullIfEmpty(query["index"].ToString()),
        };
    }

    /// <summary>The envelope's <c>resource</c> member, when any field is set.</summary>
    public readonly void Write(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (Host is null && Source is null && SourceType is null && Index is null)
        {
            return;
        }

        json.WriteStartObject(ShipperEnvelope.Resource);
        Write(json, ResourceNames.Host, Host);
        Write(json, SourceName, Source);
        Write(json, SourceTypeName, SourceType);
        Write(json, IndexName, Index);
        json.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
