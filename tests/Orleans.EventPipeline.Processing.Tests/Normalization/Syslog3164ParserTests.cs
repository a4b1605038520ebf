using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Normalization;

public sealed class Syslog3164ParserTests
{
    private static readonly Syslog3164Parser Parser = Syslog3164Parser.Instance;

    [Fact]
    public void TryParse_Rfc3164Example_InfersYearFromIngestTime()
    {
        var e = TestEvents.Parse(Parser, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", new DateTimeOffset(2024, 10, 12, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2024, 10, 11, 22, 14, 15, TimeSpan.Zero), e.Timestamp);
        Assert.Equal("mymachine", e.Resource[ResourceNames.Host]);
        Assert.Equal("su", e.Resource[ResourceNames.Service]);
        Assert.Equal("'su root' failed for lonvick on /dev/pts/8", e.Body);
        Assert.Equal(Severity.Fatal, e.SeverityNumber);
        Assert.Equal(SourceFormat.Syslog3164, e.Format);
    }

    [Fact]
    public void TryParse_DecemberLineIngestedInJanuary_TakesPreviousYear()
    {
        var e = TestEvents.Parse(Parser, "<13>Dec 31 23:59:58 host app: tick", new DateTimeOffset(2025, 1, 1, 0, 0, 5, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2024, 12, 31, 23, 59, 58, TimeSpan.Zero), e.Timestamp);
    }

    [Fact]
    public void TryParse_SpacePaddedDayAndTagWithPid_ReadsProcessId()
    {
        var e = TestEvents.Parse(Parser, "<86>Feb  5 17:32:18 10.0.0.99 sshd[4123]: Accepted publickey for deploy from 10.0.0.1 port 22");

        Assert.Equal(new DateTimeOffset(2024, 2, 5, 17, 32, 18, TimeSpan.Zero), e.Timestamp);
        Assert.Equal("10.0.0.99", e.Resource[ResourceNames.Host]);
        Assert.Equal("sshd", e.Resource[ResourceNames.Service]);
        Assert.Equal("4123", e.Attributes[AttributeNames.SyslogProcessId].Text);
        Assert.Equal("Accepted publickey for deploy from 10.0.0.1 port 22", e.Body);
        Assert.Equal(10, e.Attributes[AttributeNames.SyslogFacility].IntValue);
    }

    [Fact]
    public void TryParse_NoHostname_ReadsTagOnly()
    {
        var e = TestEvents.Parse(Parser, "<13>May  1 11:00:00 cron[77]: job done");

        Assert.False(e.Resource.ContainsKey(ResourceNames.Host));
        Assert.Equal("cron", e.Resource[ResourceNames.Service]);
        Assert.Equal("job done", e.Body);
    }

    [Fact]
    public void TryParse_HighPrecisionTimestamp_IsAccepted()
    {
        var e = TestEvents.Parse(Parser, "<13>2024-05-01T10:00:00.250+00:00 host app: m");

        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, 250, TimeSpan.Zero), e.Timestamp);
    }

    [Theory]
    [InlineData("Oct 11 22:14:15 host app: no pri", "<PRI>")]
    [InlineData("<13>Foo 11 22:14:15 host app: m", "not a timestamp")]
    [InlineData("<13>Oct 11 25:14:15 host app: m", "not a timestamp")]
    public void TryParse_Malformed_FailsWithReason(string line, string expected)
    {
        Assert.Contains(expected, TestEvents.Fail(Parser, line), StringComparison.Ordinal);
    }
}
