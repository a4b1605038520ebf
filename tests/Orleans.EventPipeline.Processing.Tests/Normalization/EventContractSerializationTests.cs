using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Tests.Archive;
using Orleans.EventPipeline.Processing.Tests.Support;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Processing.Tests.Normalization;

public sealed class EventContractSerializationTests
{
    [Fact]
    public void Serializer_NormalizedEventBatchAndSettings_RoundTripThroughOrleans()
    {
        using var services = new ServiceCollection()
            .AddSerializer(static builder => builder.AddAssembly(typeof(NormalizedEvent).Assembly))
            .BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var e = TestEvents.At(3) with
        {
            Attributes = new Dictionary<string, AttributeValue> { ["s"] = "x", ["i"] = 7L, ["d"] = 0.5, ["b"] = false },
            Resource = new Dictionary<string, string> { ["host.name"] = "h" },
            Late = true,
        };
        var batch = new NormalizedEventBatch("tenant-a", "tenant-a#1", [e]);
        var settings = new ProcessingSettings
        {
            Normalization = new NormalizationSettings { Sources = new Dictionary<string, SourceSettings> { ["fw"] = new() { TextFormat = TextFormat.Cef } } },
            Enrichment = new EnrichmentSettings { GeoIp = new GeoIpSettings { DatabasePath = "/geo.mmdb", IpFields = ["src"] } },
        };

        var batchCopy = serializer.Deserialize<NormalizedEventBatch>(serializer.SerializeToArray(batch))!;
        var settingsCopy = serializer.Deserialize<ProcessingSettings>(serializer.SerializeToArray(settings))!;

        Assert.Equal("tenant-a#1", batchCopy.StreamKey);
        ArchiveFormatTests.AssertSame(e, Assert.Single(batchCopy.Events));
        Assert.Equal(TextFormat.Cef, settingsCopy.Normalization.Sources["fw"].TextFormat);
        Assert.Equal(["src"], settingsCopy.Enrichment.GeoIp!.IpFields);
        Assert.Equal(settings.Ordering, settingsCopy.Ordering);
    }
}
