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
    public async Task Encode_AttributesNotInADictionary_RoundTrip()
    {
        // Users' grains may publish events whose maps are any read-only dictionary, not the parsers' Dictionary.
        var other = TestEvents.At(1) with
        {
            Attributes = new System.Collections.ObjectModel.ReadOnlyDictionary<string, AttributeValue>(new Dictionary<string, AttributeValue> { ["n"] = 3L, ["s"] = "x" }),
            Resource = new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string> { ["host.name"] = "web-2" }),
        };

        var decoded = await ArchiveFormat.DecodeAsync(new MemoryStream(ArchiveFormat.Encode([other])), CancellationToken.None);

        AssertSame(other, Assert.Single(decoded));
    }

    [Fact]
    public async Task Encode_ObjectThatCompressesWorseThanTheFirstTry_RoundTrips()
    {
        // Random text of 64 symbols compresses to about 3/4: past the quarter of the input tried first.
        var random = new Random(12);
        var events = Enumerable.Range(0, 64)
            .Select(i => TestEvents.At(i) with { Body = new string(Enumerable.Range(0, 8192).Select(_ => (char)('0' + random.Next(64))).ToArray()) })
            .ToArray();

        var encoded = ArchiveFormat.Encode(events);
        var decoded = await ArchiveFormat.DecodeAsync(new MemoryStream(encoded), CancellationToken.None);

        Assert.True(encoded.Length > events.Sum(static e => e.Body.Length) / 4, $"{encoded.Length} bytes compressed: the test needs an object past the first try");
        Assert.Equal(events.Select(static e => e.Body), decoded.Select(static e => e.Body));
    }

    [Fact]
    public void Compress_LargeObject_AllocatesNoOutputArrayOnceWarm()
    {
        // 8 MiB of log-like NDJSON: zstd's bound would be an 8 MiB array on the large object heap per object.
        var line = "{\"tenantId\":\"tenant-a\",\"body\":\"user 17 logged in from 10.1.2.3\",\"attributes\":{\"http.status\":200}}\n"u8;
        var ndjson = new byte[8 * 1024 * 1024];
        for (var at = 0; at + line.Length <= ndjson.Length; at += line.Length)
        {
            line.CopyTo(ndjson.AsSpan(at));
        }

        ArchiveFormat.Compress(ndjson).Dispose();
        var before = GC.GetAllocatedBytesForCurrentThread();
        using var compressed = ArchiveFormat.Compress(ndjson);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated compressing {ndjson.Length} bytes into {compressed.Length}");
        Assert.True(compressed.Length < ndjson.Length / 4);
    }

    [Fact]
    public void Compress_Disposed_BytesCannotBeRead()
    {
        var compressed = ArchiveFormat.Compress("{}\n"u8);
        compressed.Dispose();
        compressed.Dispose();

        Assert.Throws<ObjectDisposedException>(() => compressed.Bytes);
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
