using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Silo.Warmup;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// The warm-up's text body holds a line of each format the normalizer detects, on any day of the month; its large body
/// is JSON lines of the size asked for.
/// </summary>
public sealed class WarmupBodiesTests
{
    [Theory]
    [InlineData("2026-12-05T23:50:01Z")]
    [InlineData("2026-12-15T03:04:05Z")]
    public void TextBody_EachLineParsedAsTheFormatItIsWrittenIn(string now)
    {
        var (json, text) = WarmupBodies.Create(8, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));
        var context = new EventContext("_warmup", "id", DateTimeOffset.UnixEpoch);

        var formats = Encoding.UTF8.GetString(text).TrimEnd('\n').Split('\n').Select(line =>
        {
            Assert.True(AutoTextParser.Instance.TryParse(Encoding.UTF8.GetBytes(line), context, out var normalized, out var failure), failure);
            return normalized.Format;
        });

        Assert.Equal(
            [SourceFormat.Syslog5424, SourceFormat.Syslog3164, SourceFormat.Cef, SourceFormat.Text, SourceFormat.Syslog5424, SourceFormat.Syslog3164, SourceFormat.Cef, SourceFormat.Text],
            formats);
        Assert.Equal(8, Encoding.UTF8.GetString(json).TrimEnd('\n').Split('\n').Count(static line => line.StartsWith("{\"ts\":", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(1_000, 500)]
    [InlineData(1_000, 64)]
    public void LargeBody_TheEventsAskedFor_EachAJsonObjectOfTheSizeAskedFor(int events, int eventBytes)
    {
        var body = WarmupBodies.CreateLarge(events, eventBytes);

        var lines = Encoding.UTF8.GetString(body).TrimEnd('\n').Split('\n');
        Assert.Equal(events, lines.Length);
        Assert.All(lines, line =>
        {
            Assert.Equal(eventBytes, Encoding.UTF8.GetByteCount(line));
            using var parsed = JsonDocument.Parse(line);
            Assert.Equal("eventpipeline-warmup", parsed.RootElement.GetProperty("source").GetString());
        });
        Assert.Equal(Enumerable.Range(0, events), lines.Select(static line => JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt32()));
    }
}
