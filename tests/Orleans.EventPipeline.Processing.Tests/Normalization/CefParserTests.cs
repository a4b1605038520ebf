using System.Globalization;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Normalization;

public sealed class CefParserTests
{
    private static readonly CefParser Parser = CefParser.Instance;

    [Fact]
    public void TryParse_BareCef_ReadsHeaderAndExtension()
    {
        var e = TestEvents.Parse(Parser, "CEF:0|security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232");

        Assert.Equal("worm successfully stopped", e.Body);
        Assert.Equal("security", e.Attributes[AttributeNames.CefDeviceVendor].Text);
        Assert.Equal("threatmanager", e.Attributes[AttributeNames.CefDeviceProduct].Text);
        Assert.Equal("1.0", e.Attributes[AttributeNames.CefDeviceVersion].Text);
        Assert.Equal("100", e.Attributes[AttributeNames.CefSignatureId].Text);
        Assert.Equal("10.0.0.1", e.Attributes["src"].Text);
        Assert.Equal("2.1.2.2", e.Attributes["dst"].Text);
        Assert.Equal("1232", e.Attributes["spt"].Text);
        Assert.Equal(Severity.Fatal, e.SeverityNumber);
        Assert.Equal("10", e.SeverityText);
        Assert.Equal("threatmanager", e.Resource[ResourceNames.Service]);
        Assert.Equal(SourceFormat.Cef, e.Format);
        Assert.Null(e.Timestamp);
    }

    [Fact]
    public void TryParse_EscapedPipesBackslashesAndEquals_AreUnescaped()
    {
        var e = TestEvents.Parse(Parser, @"CEF:0|Acme\|Corp|Fire\\wall|2.0|7|Policy \| deny|High|act=blocked a \= b path=C:\\temp\\x msg=line1\nline2");

        Assert.Equal("Acme|Corp", e.Attributes[AttributeNames.CefDeviceVendor].Text);
        Assert.Equal(@"Fire\wall", e.Attributes[AttributeNames.CefDeviceProduct].Text);
        Assert.Equal("Policy | deny", e.Body);
        Assert.Equal(Severity.Error, e.SeverityNumber);
        Assert.Equal("blocked a = b", e.Attributes["act"].Text);
        Assert.Equal(@"C:\temp\x", e.Attributes["path"].Text);
        Assert.Equal("line1\nline2", e.Attributes["msg"].Text);
    }

    [Fact]
    public void TryParse_MultiWordValues_RunToTheNextKey()
    {
        var e = TestEvents.Parse(Parser, "CEF:0|V|P|1|42|Login|3|msg=User ann failed to log in twice suser=ann rt=1714564800000 dvchost=fw-01.example.com");

        Assert.Equal("User ann failed to log in twice", e.Attributes["msg"].Text);
        Assert.Equal("ann", e.Attributes["suser"].Text);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero), e.Timestamp);
        Assert.Equal("fw-01.example.com", e.Resource[ResourceNames.Host]);
        Assert.Equal(Severity.Info, e.SeverityNumber);
    }

    [Fact]
    public void TryParse_AKeyGivenTwice_KeepsEveryValue()
    {
        // A sender repeating suser to hide the first one: the last has the name, the earlier ones are numbered.
        var e = TestEvents.Parse(Parser, "CEF:0|V|P|1|42|Login|3|suser=alice src=10.0.0.1 suser=mallory suser=eve cef.version=9");

        Assert.Equal("eve", e.Attributes["suser"].Text);
        Assert.Equal("alice", e.Attributes["suser#1"].Text);
        Assert.Equal("mallory", e.Attributes["suser#2"].Text);
        // An extension key named like a header field does not take the header's name; it is kept beside it.
        Assert.Equal("0", e.Attributes["cef.version"].Text);
        Assert.Equal("9", e.Attributes["cef.version#1"].Text);
        Assert.Equal("10.0.0.1", e.Attributes["src"].Text);
    }

    [Fact]
    public void TryParse_ExtensionKeysNamedLikeTheHeaders_KeptBesideThemAndTheAppIsTheHeaders()
    {
        var e = TestEvents.Parse(Parser, "<13>1 2024-05-01T12:00:00Z h app 42 ID7 - CEF:0|V|Fw|1|sig|name|5|syslog.facility=evil cef.device_product=spoof");

        Assert.Equal(1L, e.Attributes["syslog.facility"].IntValue);
        Assert.Equal("evil", e.Attributes["syslog.facility#1"].Text);
        Assert.Equal("Fw", e.Attributes["cef.device_product"].Text);
        Assert.Equal("spoof", e.Attributes["cef.device_product#1"].Text);
        Assert.Equal("app", e.Resource[ResourceNames.Service]);
    }

    [Theory]
    [InlineData("<13>1 2024-05-01T12:00:00Z h app - ID7 - CEF:0|V|Fw|1|sig|name|5|syslog.procid=1234", "syslog.procid")]
    [InlineData("CEF:0|V|Fw|1|sig|name|5|syslog.facility=evil", "syslog.facility")]
    [InlineData("CEF:0|V|Fw|1|sig|name|5|sd.origin.ip=6.6.6.6", "sd.origin.ip")]
    public void TryParse_AnExtensionKeyUnderAHeadersNames_IsNumberedEvenWhereTheHeaderHasNoSuchField(string line, string key)
    {
        var e = TestEvents.Parse(Parser, line);

        Assert.False(e.Attributes.ContainsKey(key));
        Assert.True(e.Attributes.ContainsKey(key + "#1"));
    }

    [Fact]
    public void TryParse_StructuredDataSpoofedInTheExtension_KeepsTheHeadersValue()
    {
        var e = TestEvents.Parse(Parser, """<13>1 2024-05-01T12:00:00Z h app - - [origin ip="10.0.0.1"] CEF:0|V|Fw|1|sig|name|5|sd.origin.ip=6.6.6.6""");

        Assert.Equal("10.0.0.1", e.Attributes["sd.origin.ip"].Text);
        Assert.Equal("6.6.6.6", e.Attributes["sd.origin.ip#1"].Text);
    }

    [Fact]
    public void TryParse_TextAheadOfCef_IsKept()
    {
        var e = TestEvents.Parse(Parser, "<13>1 2024-05-01T12:00:00Z h sshd - - - Failed password for CEF:0|V|P|1|s|n|5|a=b");

        Assert.Equal("Failed password for", e.Attributes["syslog.prefix"].Text);
        Assert.Equal("b", e.Attributes["a"].Text);
    }

    [Fact]
    public void TryParse_DvchostAndRtOverTheSyslogHeader_KeepTheHeadersHostAndTimeBeside()
    {
        var e = TestEvents.Parse(Parser, "<13>1 2024-05-01T11:00:00Z realhost app - - - CEF:0|V|P|1|s|n|5|dvchost=fake rt=1714564800000");

        Assert.Equal("fake", e.Resource[ResourceNames.Host]);
        Assert.Equal("realhost", e.Attributes["syslog.host"].Text);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero), e.Timestamp);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 11, 0, 0, TimeSpan.Zero), DateTimeOffset.Parse(e.Attributes["syslog.timestamp"].Text!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TryParse_AProductSpoofedInTheExtension_IsNotTheApp()
    {
        var e = TestEvents.Parse(Parser, "CEF:0|V|Fw|1|sig|name|5|cef.device_product=spoof");

        Assert.Equal("Fw", e.Resource[ResourceNames.Service]);
    }

    [Fact]
    public void TryParse_BehindRfc3164Header_TakesHostAndTimeFromSyslog()
    {
        var e = TestEvents.Parse(Parser, "<134>Feb 14 19:04:54 fw-02 CEF:0|Palo Alto Networks|PAN-OS|10.1|end|TRAFFIC|1|src=198.51.100.7 dst=10.1.1.1");

        Assert.Equal("fw-02", e.Resource[ResourceNames.Host]);
        Assert.Equal(new DateTimeOffset(2024, 2, 14, 19, 4, 54, TimeSpan.Zero), e.Timestamp);
        Assert.Equal("Palo Alto Networks", e.Attributes[AttributeNames.CefDeviceVendor].Text);
        Assert.Equal("TRAFFIC", e.Body);
        Assert.Equal(16, e.Attributes[AttributeNames.SyslogFacility].IntValue);
    }

    [Fact]
    public void TryParse_BehindRfc5424Header_ReadsBoth()
    {
        var e = TestEvents.Parse(Parser, "<134>1 2024-05-01T12:00:00Z ids-1 snort - - - CEF:0|Snort|IDS|3|1:2001|ET SCAN|5|src=203.0.113.9");

        Assert.Equal("ids-1", e.Resource[ResourceNames.Host]);
        Assert.Equal("snort", e.Resource[ResourceNames.Service]);
        Assert.Equal(Severity.Warn, e.SeverityNumber);
        Assert.Equal("203.0.113.9", e.Attributes["src"].Text);
    }

    [Theory]
    [InlineData("CEF:0|Vendor|Product|1.0|100", "7 '|'-separated fields")]
    [InlineData("CEF:x|V|P|1|2|N|3|", "version")]
    [InlineData("hello world", "CEF:")]
    [InlineData("<13>Oct 11 22:14:15 host app: not cef", "does not contain")]
    [InlineData("CEF:0|V|P|1|2|N|3|=novalue", "key=value")]
    public void TryParse_Malformed_FailsWithReason(string line, string expected)
    {
        Assert.Contains(expected, TestEvents.Fail(Parser, line), StringComparison.Ordinal);
    }
}
