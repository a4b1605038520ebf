using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Archive;

public sealed class ArchiveFormatTests
{
    [Fact]
    public async Task Encode_ThenDecode_RoundTripsEveryField()
    {
        var full = new NormalizedEvent("tenant-a", "b:1", TestEvents.Ingest, TestEvents.Ingest.AddSeconds(-3).ToOffset(TimeSpan.FromHours(2)), TestEvents.Ingest,
            17, "error", "line one\nline \"two\" ✓",
            new Dictionary<string, AttributeValue> { ["s"] = "text", ["i"] = 42L, ["d"] = 1.5, ["b"] = true, ["neg"] = -7L },
            new Dictionary<string, string> { ["host.name"] = "web-1", ["service.name"] = "api" },
            SourceFormat.Syslog5424, Late: true);
        var bare = TestEvents.At(null, "b:2");

        var decoded = await ArchiveFormat.DecodeAsync(new MemoryStream(ArchiveFormat.Encode([full, bare])), CancellationToken.None);

        Assert.Equal(2, decoded.Count);
        AssertSame(full, decoded[0]);
        AssertSame(bare, decoded[1]);
    }

    [Fact]
    public async Task DecodeAsync_NotZstd_ThrowsInvalidData()
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => ArchiveFormat.DecodeAsync(new MemoryStream("{\"tenantId\":1}\n"u8.ToArray()), CancellationToken.None));
    }

    internal static void AssertSame(NormalizedEvent expected, NormalizedEvent actual)
    {
        Assert.Equal(expected with { Attributes = actual.Attributes, Resource = actual.Resource }, actual);
        Assert.Equal(expected.Timestamp?.UtcTicks, actual.Timestamp?.UtcTicks);
        Assert.Equal(expected.Attributes.OrderBy(static a => a.Key), actual.Attributes.OrderBy(static a => a.Key));
        Assert.Equal(expected.Resource.OrderBy(static a => a.Key), actual.Resource.OrderBy(static a => a.Key));
    }
}
