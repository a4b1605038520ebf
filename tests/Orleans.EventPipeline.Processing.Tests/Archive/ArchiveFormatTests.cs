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
        // Random text of 64 symbols compresses to about 3/4: past the first try's array, at most half the input.
        var events = RandomBodies(seed: 12, count: 64, length: 8192);

        var encoded = ArchiveFormat.Encode(events);
        var decoded = await ArchiveFormat.DecodeAsync(new MemoryStream(encoded), CancellationToken.None);

        Assert.True(encoded.Length > Lines(events).Length / 2, $"{encoded.Length} bytes compressed: the test needs an object past the first try");
        Assert.Equal(events.Select(static e => e.Body), decoded.Select(static e => e.Body));
    }

    [Fact]
    public async Task Compress_ExpectingMoreThanTheObjectCompresses_RoundTrips()
    {
        // A writer whose last object compressed 1000:1 and whose next one does not: the first try (its smallest,
        // 64 KiB) is too small for ~190 KB of compressed random text.
        var events = RandomBodies(seed: 5, count: 1000, length: 256);

        using var compressed = ArchiveFormat.Compress(Lines(events), expectedRatio: 0.001);
        var decoded = await ArchiveFormat.DecodeAsync(new MemoryStream(compressed.Bytes.ToArray()), CancellationToken.None);

        Assert.True(compressed.Length > 128 * 1024, $"{compressed.Length} bytes compressed: the test needs more than the first try");
        Assert.Equal(events.Select(static e => e.Body), decoded.Select(static e => e.Body));
    }

    [Fact]
    public void Compress_LargeObject_AllocatesNoOutputArrayOnceWarm()
    {
        // 8 MiB of log-like NDJSON: zstd's bound would be an 8 MiB array on the large object heap per object. Three
        // tries: a test running beside this one may hold the pool's arrays of this size for a moment.
        var line = "{\"tenantId\":\"tenant-a\",\"body\":\"user 17 logged in from 10.1.2.3\",\"attributes\":{\"http.status\":200}}\n"u8;
        var ndjson = new byte[8 * 1024 * 1024];
        for (var at = 0; at + line.Length <= ndjson.Length; at += line.Length)
        {
            line.CopyTo(ndjson.AsSpan(at));
        }

        var allocations = new List<long>();
        for (var attempt = 0; attempt < 3 && (allocations.Count == 0 || allocations.Min() >= 64 * 1024); attempt++)
        {
            ArchiveFormat.Compress(ndjson).Dispose();
            var before = GC.GetAllocatedBytesForCurrentThread();
            using var compressed = ArchiveFormat.Compress(ndjson);
            allocations.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.True(compressed.Length < ndjson.Length / 4);
        }

        Assert.True(allocations.Min() < 64 * 1024, $"bytes allocated compressing {ndjson.Length} bytes: {string.Join(", ", allocations)}");
    }

    [Fact]
    public void Compress_DisposedTwice_ArrayLentOnce()
    {
        var ndjson = Lines([TestEvents.At(1), TestEvents.At(2)]);
        var first = ArchiveFormat.Compress(ndjson);
        first.Dispose();
        first.Dispose();

        // A second return of the same array would lend it to both of the next two objects.
        using var second = ArchiveFormat.Compress(ndjson);
        using var third = ArchiveFormat.Compress(ndjson);

        Assert.Throws<ObjectDisposedException>(() => first.Bytes);
        Assert.False(second.Bytes.Span.Overlaps(third.Bytes.Span));
    }

    /// <summary>Events whose bodies are random text of 64 symbols: it compresses to about 3/4.</summary>
    private static NormalizedEvent[] RandomBodies(int seed, int count, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => TestEvents.At(i) with { Body = new string(Enumerable.Range(0, length).Select(_ => (char)('0' + random.Next(64))).ToArray()) })
            .ToArray();
    }

    private static byte[] Lines(IReadOnlyList<NormalizedEvent> events)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using var writer = ArchiveFormat.CreateWriter(buffer);
        foreach (var normalized in events)
        {
            ArchiveFormat.WriteLine(normalized, buffer, writer);
        }

        return buffer.WrittenSpan.ToArray();
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
