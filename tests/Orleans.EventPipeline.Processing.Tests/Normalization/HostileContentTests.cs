using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Processing.Tests.Support;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Processing.Tests.Normalization;

/// <summary>
/// Content real sources produce that the gateway may have let through (or that was stored before it
/// checked): each case is a per-event result, a parsed event or a failure with a reason, never an
/// exception that costs the rest of the batch (docs/EVENT-SCHEMA.md, "Hostile content").
/// </summary>
public sealed class HostileContentTests
{
    private static readonly JsonEventParser Parser = new(new JsonFieldMapping());
    private static readonly Guid BatchId = Guid.Parse("0b7f4c52-2f8e-4a55-9d0e-3c1d2a6b7e90");

    public static TheoryData<string, byte[]> UnreadableStrings => new()
    {
        { "invalid UTF-8 in a value", [.. "{\"s\":\""u8, 0xFF, .. "\"}"u8] },
        { "invalid UTF-8 in a name", [.. "{\""u8, 0xC3, 0x28, .. "\":1}"u8] },
        { "invalid UTF-8 in the body field", [.. "{\"message\":\"a"u8, 0xE2, 0x82, .. "\"}"u8] },
        { "a lone high surrogate escape", "{\"s\":\"\\ud800\"}"u8.ToArray() },
        { "a lone low surrogate escape", "{\"s\":\"x\\udc00y\"}"u8.ToArray() },
        { "invalid UTF-8 in the timestamp", [.. "{\"timestamp\":\""u8, 0xFF, .. "\"}"u8] },
    };

    [Theory]
    [MemberData(nameof(UnreadableStrings))]
    public void TryParse_StringThatIsNotUnicodeText_FailsWithReasonInsteadOfThrowing(string name, byte[] line)
    {
        Assert.False(Parser.TryParse(line, TestEvents.Context(), out _, out var failure), name);

        Assert.Contains("not valid Unicode text", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2024-01-01T00:00:00+14:30")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("9999-12-31T23:59:59-01:00")]
    public void TryParse_TimestampOutOfRange_FailsLikeAnyUnparseableTimestamp(string timestamp)
    {
        var failure = TestEvents.Fail(Parser, $$"""{"timestamp":"{{timestamp}}","message":"m"}""");

        Assert.Contains($"\"timestamp\" holds {timestamp}", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1e400", "1e400")]
    [InlineData("-1E+400", "-1E+400")]
    [InlineData("123456789e999", "123456789e999")]
    public void TryParse_NumberBeyondDouble_KeptAsItsJsonText(string number, string expected)
    {
        var e = TestEvents.Parse(Parser, $$"""{"big":{{number}},"small":1e-400,"ok":1.5}""");

        Assert.Equal(AttributeKind.String, e.Attributes["big"].Kind);
        Assert.Equal(expected, e.Attributes["big"].Text);
        Assert.Equal(0d, e.Attributes["small"].DoubleValue);
        Assert.Equal(1.5, e.Attributes["ok"].DoubleValue);
    }

    [Fact]
    public void TryParse_NestingBeyondMaxDepth_Fails()
    {
        // Objects nested `depth` levels deep, the gateway's limit too.
        static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);

        TestEvents.Parse(Parser, Nested(JsonEventParser.MaxDepth));
        Assert.StartsWith("JSON:", TestEvents.Fail(Parser, Nested(JsonEventParser.MaxDepth + 1)), StringComparison.Ordinal);
    }

    // 262 KB under the gateway's limits built 2 billion characters of names (a 130,000-character name written before each
    // of 16,500 fields): the silo grew by 600 MB every 3 s and ran out of memory at every restart (helper-110).
    [Fact]
    public void Normalize_LongNameOverManyFields_DeadLettersThatEventAloneAndKeepsTheOthers()
    {
        var normalizer = new EventNormalizer(new NormalizationSettings());
        var amplifying = new StringBuilder("{\"").Append('K', 130_000).Append("\":{");
        for (var i = 0; i < 16_500; i++)
        {
            amplifying.Append(i == 0 ? "" : ",").Append("\"a").Append(i).Append("\":1");
        }

        byte[][] events = [Encoding.UTF8.GetBytes("{\"n\":1}"), Encoding.UTF8.GetBytes(amplifying.Append("}}").ToString()), Encoding.UTF8.GetBytes("{\"n\":3}")];
        var allocated = GC.GetAllocatedBytesForCurrentThread();

        var result = normalizer.Normalize(Batch(events));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 64L << 20, "the failing event allocated its names before failing");
        Assert.Equal([1L, 3L], result.Events.Select(static e => e.Attributes["n"].IntValue));
        var dead = Assert.Single(result.DeadLetters);
        Assert.Equal(1, dead.Index);
        Assert.StartsWith("JSON: its field names, each written out with the name around it, come to more than 2,097,152 characters (\"KKKK", dead.Reason, StringComparison.Ordinal);
        Assert.Contains("\", 130,000 characters, is written before each field inside it", dead.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NamesNestedUnderTheBudget_FlattenedAsBefore()
    {
        // 16 levels of 60-character names over 1,000 fields: 1.0 million characters of names, inside the budget.
        var outer = string.Concat(Enumerable.Range(0, 16).Select(static i => $"{{\"{new string((char)('a' + i), 60)}\":"));
        var line = outer + "{" + string.Join(",", Enumerable.Range(0, 1_000).Select(static i => $"\"f{i}\":{i}")) + "}" + new string('}', 16);

        var e = TestEvents.Parse(Parser, line);

        Assert.Equal(1_000, e.Attributes.Count);
        Assert.Equal(999, e.Attributes[string.Join(".", Enumerable.Range(0, 16).Select(static i => new string((char)('a' + i), 60))) + ".f999"].IntValue);
    }

    [Fact]
    public void Normalize_HundredGoodEventsAndOneWithInvalidUtf8_ParsesTheHundredAndDeadLettersTheOne()
    {
        var normalizer = new EventNormalizer(new NormalizationSettings());
        var events = Enumerable.Range(0, 101).Select(i => Encoding.UTF8.GetBytes($$"""{"message":"event {{i}}"}""")).ToArray();
        events[50] = [.. "{\"s\":\""u8, 0xFF, .. "\"}"u8];

        var result = normalizer.Normalize(Batch(events));

        Assert.Equal(100, result.Events.Count);
        Assert.DoesNotContain(result.Events, static e => e.Body == "event 50");
        var dead = Assert.Single(result.DeadLetters);
        Assert.Equal(50, dead.Index);
        Assert.Equal(events[50], dead.Raw.ToArray());
    }

    [Fact]
    public void Enrich_HugeNumberCarriedAsText_MatchesALookupKeyedByThatText()
    {
        var settings = new EnrichmentSettings
        {
            LookupTables = [new LookupTableSettings { Name = "sizes", Content = "n,label\n1e400,huge\n", MatchField = "n", KeyColumn = "n" }],
        };
        Assert.True(Enricher.TryCreate(settings, TestLookups.None, NullLogger.Instance, out var enricher, out var failure), failure);
        using (enricher)
        {
            var parsed = TestEvents.Parse(Parser, """{"n":1e400,"timestamp":"9999-12-31T23:59:59+01:00"}""");

            var enriched = enricher.Enrich([parsed]);

            var e = Assert.Single(enriched);
            Assert.False(e.Attributes.ContainsKey(Enricher.ErrorAttribute));
            Assert.Equal("huge", e.Attributes["lookup.sizes.label"].Text);
            Assert.Equal(new DateTimeOffset(9999, 12, 31, 22, 59, 59, TimeSpan.Zero), e.Timestamp);
        }
    }

    private static RawEventBatch Batch(byte[][] events)
    {
        var frames = new MemoryStream();
        foreach (var e in events)
        {
            frames.Write(BitConverter.GetBytes(e.Length));
            frames.Write(e);
        }

        return new RawEventBatch("tenant-a", BatchId, TestEvents.Ingest, EventKind.Json, 0, events.Length, frames.ToArray());
    }
}
