using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Warmup;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// The warm-up's text body holds a line of each format the normalizer detects, on any day of the month; its bodies hold
/// only the lines the gateway's limits let through; its large body is JSON lines of the size asked for.
/// </summary>
public sealed class WarmupBodiesTests
{
    [Theory]
    [InlineData("2026-12-05T23:50:01Z")]
    [InlineData("2026-12-15T03:04:05Z")]
    public void TextBody_EachLineParsedAsTheFormatItIsWrittenIn(string now)
    {
        var (json, text) = WarmupBodies.Create(8, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), int.MaxValue, long.MaxValue);
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
    [InlineData(10, 100, 10 * 1024 * 1024)]
    [InlineData(10, 64, 10 * 1024 * 1024)]
    [InlineData(10, 256 * 1024, 1024)]
    [InlineData(10, 100, 1024)]
    [InlineData(10, 64, 1024)]
    [InlineData(40, 256 * 1024, 1024)]
    public void Bodies_UnderSmallGatewayLimits_HoldTheLinesThatFitAndNoOther(int events, int maxEventBytes, long maxBodyBytes)
    {
        var now = DateTimeOffset.Parse("2026-12-05T23:50:01Z", System.Globalization.CultureInfo.InvariantCulture);
        var (fullJson, fullText) = WarmupBodies.Create(events, now, int.MaxValue, long.MaxValue);

        var (json, text) = WarmupBodies.Create(events, now, maxEventBytes, maxBodyBytes);

        Assert.Equal(Fitting(Lines(fullJson)), Lines(json));
        Assert.Equal(Fitting(Lines(fullText)), Lines(text));
        Assert.InRange(json.Length, 0, maxBodyBytes);
        // Some left out at each of these limits; never all of the text, down to the smallest limits a gateway takes.
        Assert.InRange(Lines(text).Length, 1, events);
        Assert.InRange(Lines(json).Length + Lines(text).Length, 1, (2 * events) - 1);
        Assert.InRange(text.Length, 1, maxBodyBytes);

        // The lines within MaxEventBytes, in order, up to the first that would take the body over MaxBodyBytes with its
        // line end (none after it, even a shorter one: 40 text lines of 35-105 bytes reach 1,024 before their end).
        string[] Fitting(string[] lines)
        {
            long bytes = 0;
            return [.. lines.Where(line => Encoding.UTF8.GetByteCount(line) <= maxEventBytes).TakeWhile(line => (bytes += Encoding.UTF8.GetByteCount(line) + 1) <= maxBodyBytes)];
        }
    }

    [Theory]
    [InlineData(1_000, 500)]
    [InlineData(1_000, 64)]
    public void LargeBody_TheEventsAskedFor_EachAJsonObjectOfTheSizeAskedFor(int events, int eventBytes)
    {
        var body = WarmupBodies.CreateLarge(events, eventBytes, long.MaxValue);

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

    private static string[] Lines(byte[] body) => body.Length == 0 ? [] : Encoding.UTF8.GetString(body).TrimEnd('\n').Split('\n');
}
