using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Normalization;

public sealed class AutoTextParserTests
{
    private static readonly AutoTextParser Parser = AutoTextParser.Instance;

    [Theory]
    [InlineData("<34>1 2003-10-11T22:14:15.003Z host su - ID47 - msg", SourceFormat.Syslog5424)]
    [InlineData("<34>Oct 11 22:14:15 host su: msg", SourceFormat.Syslog3164)]
    [InlineData("CEF:0|V|P|1|2|N|3|src=1.2.3.4", SourceFormat.Cef)]
    [InlineData("<134>Feb 14 19:04:54 fw CEF:0|V|P|1|2|N|3|src=1.2.3.4", SourceFormat.Cef)]
    [InlineData("2024-05-01 12:00:00 GET /index.html 200", SourceFormat.Text)]
    [InlineData("<34>almost syslog but not quite", SourceFormat.Text)]
    public void TryParse_Line_DetectsFormat(string line, SourceFormat expected)
    {
        Assert.Equal(expected, TestEvents.Parse(Parser, line).Format);
    }

    [Fact]
    public void TryParse_PlainLine_KeepsWholeLineAsBody()
    {
        var e = TestEvents.Parse(Parser, "kernel: eth0 link up\r\n");

        Assert.Equal("kernel: eth0 link up", e.Body);
        Assert.Null(e.Timestamp);
        Assert.Equal(Severity.Unspecified, e.SeverityNumber);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    public void TryParse_Blank_FailsWithReason(string line, string expected)
    {
        Assert.Contains(expected, TestEvents.Fail(Parser, line), StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_InvalidUtf8_FailsWithReason()
    {
        Assert.False(Parser.TryParse([0x66, 0xFF, 0xFE, 0x00], TestEvents.Context(), out _, out var failure));
        Assert.Contains("UTF-8", failure, StringComparison.Ordinal);
    }
}
