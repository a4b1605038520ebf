using Azure.Messaging.EventHubs;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>Messages another Event Hubs client writes to the hub in the pipeline's raw format (docs/STREAM-FORMAT.md).</summary>
internal static class ForgedMessages
{
    /// <summary>A raw-format message of <paramref name="tenant"/> whose properties claim <paramref name="count"/> events in <paramref name="body"/>.</summary>
    public static EventData Raw(string tenant, byte[] body, int count)
    {
        var message = new EventData(body);
        message.Properties["StreamNamespace"] = "tenant-raw";
        message.Properties["ep-format"] = "eventpipeline.raw.v1";
        message.Properties["ep-tenant"] = tenant;
        message.Properties["ep-batch"] = Guid.NewGuid().ToString("N");
        message.Properties["ep-ingest-time-ms"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        message.Properties["ep-kind"] = "json";
        message.Properties["ep-first-index"] = 0;
        message.Properties["ep-count"] = count;
        return message;
    }
}
