using System.Text;
using Orleans.EventPipeline.Processing.Normalization;

namespace Orleans.EventPipeline.Processing.Tests.Normalization;

public sealed class TimestampsTests
{
    [Theory]
    [InlineData("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.0000000+00:00")]
    [InlineData("2024-05-01t12:00:00.1234567891-05:30", "2024-05-01T12:00:00.1234567-05:30")]
    [InlineData("2024-05-01T12:00:00+0200", "2024-05-01T12:00:00.0000000+02:00")]
    [InlineData("2024-05-01 12:00:00", "2024-05-01T12:00:00.0000000+00:00")]
    [InlineData("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.9999999+00:00")]
    public void TryParseRfc3339_Valid_Parses(string text, string expected)
    {
        Assert.True(Timestamps.TryParseRfc3339(Encoding.UTF8.GetBytes(text), out var value));
        Assert.Equal(expected, value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("2024-02-30T12:00:00Z")]
    [InlineData("2024-05-01T24:00:00Z")]
    [InlineData("2024-05-01T12:00:00.Z")]
    [InlineData("2024-05-01T12:00:00+25:00")]
    [InlineData("2024-05-01T12:00:00Zjunk")]
    [InlineData("May 1 2024")]
    public void TryParseRfc3339_Invalid_ReturnsFalse(string text)
    {
        Assert.False(Timestamps.TryParseRfc3339(Encoding.UTF8.GetBytes(text), out _));
    }

    [Theory]
    [InlineData("2024-01-01T00:00:00+14:30")]
    [InlineData("2024-01-01T00:00:00-14:01")]
    [InlineData("2024-01-01T00:00:00+9959")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("9999-12-31T23:59:59-01:00")]
    public void TryParseRfc3339_OffsetBeyond14HoursOrOutOfRangeOnceApplied_ReturnsFalseWithoutThrowing(string text)
    {
        Assert.False(Timestamps.TryParseRfc3339(Encoding.UTF8.GetBytes(text), out _));
    }

    [Theory]
    [InlineData("2024-01-01T00:00:00+14:00", "2024-01-01T00:00:00.0000000+14:00")]
    [InlineData("2024-01-01T00:00:00-14:00", "2024-01-01T00:00:00.0000000-14:00")]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.0000000+00:00")]
    [InlineData("0001-01-01T00:00:00-01:00", "0001-01-01T00:00:00.0000000-01:00")]
    [InlineData("9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59.9999999+00:00")]
    [InlineData("9999-12-31T23:59:59+01:00", "9999-12-31T23:59:59.0000000+01:00")]
    public void TryParseRfc3339_ExtremesThatFit_Parse(string text, string expected)
    {
        Assert.True(Timestamps.TryParseRfc3339(Encoding.UTF8.GetBytes(text), out var value));
        Assert.Equal(expected, value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TryParseBsd_Feb29InNonLeapIngestYear_TakesPreviousLeapYear()
    {
        Assert.True(Timestamps.TryParseBsd("Feb 29 10:00:00"u8, new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), out var value));
        Assert.Equal(new DateTimeOffset(2024, 2, 29, 10, 0, 0, TimeSpan.Zero), value);
    }
}
