using System.Text;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;

namespace Orleans.EventPipeline.Processing.Tests.Support;

/// <summary>Builders for test events.</summary>
internal static class TestEvents
{
    public static readonly DateTimeOffset Ingest = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    public static EventContext Context(DateTimeOffset? ingest = null) => new("tenant-a", "batch:0", ingest ?? Ingest);

    public static NormalizedEvent Parse(IEventParser parser, string line, DateTimeOffset? ingest = null)
    {
        Assert.True(parser.TryParse(Encoding.UTF8.GetBytes(line), Context(ingest), out var normalized, out var failure), failure);
        return normalized;
    }

    public static string Fail(IEventParser parser, string line)
    {
        Assert.False(parser.TryParse(Encoding.UTF8.GetBytes(line), Context(), out _, out var failure));
        return failure;
    }

    public static NormalizedEvent At(DateTimeOffset? timestamp, string id = "e", string tenant = "tenant-a", DateTimeOffset? observed = null) =>
        new(tenant, id, observed ?? Ingest, timestamp, observed ?? Ingest, Severity.Info, "info", "body " + id,
            new Dictionary<string, AttributeValue>(), new Dictionary<string, string>(), SourceFormat.Json);

    public static NormalizedEvent At(int second, string? id = null) =>
        At(Ingest.AddSeconds(second), id ?? $"e{second}");
}
