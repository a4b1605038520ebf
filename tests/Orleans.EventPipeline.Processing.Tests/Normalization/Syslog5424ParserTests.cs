using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Normalization;

public sealed class Syslog5424ParserTests
{
    private static readonly Syslog5424Parser Parser = Syslog5424Parser.Instance;

    // A 59 KB line built a 50 MB archive line: the 50,000-character SD-ID was written before each of 1,000 parameters (helper-110).
    [Fact]
    public void TryParse_LongSdIdOverManyParameters_FailsNamingTheBudget()
    {
        var id = new string('i', 50_000);
        var parameters = string.Join(" ", Enumerable.Range(0, 1_000).Select(static i => $"p{i}=\"1\""));

        var failure = TestEvents.Fail(Parser, $"<34>1 2003-10-11T22:14:15.003Z host app - - [{id} {parameters}] message");

        Assert.StartsWith("RFC 5424: its field names, each written out with the name around it, come to more than 2,097,152 characters (\"sd.iiii", failure, StringComparison.Ordinal);
        Assert.Contains("\", 50,003 characters, is written before each field inside it", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Rfc5424Example1WithBom_ReadsHeaderAndDropsBom()
    {
        var e = TestEvents.Parse(Parser, "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8");

        Assert.Equal(new DateTimeOffset(2003, 10, 11, 22, 14, 15, 3, TimeSpan.Zero), e.Timestamp);
        Assert.Equal("mymachine.example.com", e.Resource[ResourceNames.Host]);
        Assert.Equal("su", e.Resource[ResourceNames.Service]);
        Assert.Equal("ID47", e.Attributes[AttributeNames.SyslogMessageId].Text);
        Assert.False(e.Attributes.ContainsKey(AttributeNames.SyslogProcessId));
        Assert.Equal(4, e.Attributes[AttributeNames.SyslogFacility].IntValue);
        Assert.Equal(Severity.Fatal, e.SeverityNumber);
        Assert.Equal("crit", e.SeverityText);
        Assert.Equal("'su root' failed for lonvick on /dev/pts/8", e.Body);
        Assert.Equal(SourceFormat.Syslog5424, e.Format);
    }

    [Fact]
    public void TryParse_AVersionOtherThan1_KeepsItAsSyslogVersion()
    {
        var second = TestEvents.Parse(Parser, "<34>2 2003-10-11T22:14:15.003Z host su - ID47 - next revision");
        var first = TestEvents.Parse(Parser, "<34>1 2003-10-11T22:14:15.003Z host su - ID47 - first revision");

        Assert.Equal(2, second.Attributes[AttributeNames.SyslogVersion].IntValue);
        Assert.Equal("next revision", second.Body);
        Assert.False(first.Attributes.ContainsKey(AttributeNames.SyslogVersion));
    }

    [Fact]
    public void TryParse_StructuredData_BecomesSdAttributes()
    {
        var e = TestEvents.Parse(Parser, "<165>1 2003-10-11T22:14:15.003-07:00 mymachine.example.com evntslog 4711 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"] An application event log entry");

        Assert.Equal("3", e.Attributes["sd.exampleSDID@32473.iut"].Text);
        Assert.Equal("Application", e.Attributes["sd.exampleSDID@32473.eventSource"].Text);
        Assert.Equal("high", e.Attributes["sd.examplePriority@32473.class"].Text);
        Assert.Equal("4711", e.Attributes[AttributeNames.SyslogProcessId].Text);
        Assert.Equal(Severity.Info2, e.SeverityNumber);
        Assert.Equal(new DateTimeOffset(2003, 10, 12, 5, 14, 15, 3, TimeSpan.Zero), e.Timestamp!.Value.ToUniversalTime());
        Assert.Equal("An application event log entry", e.Body);
    }

    [Fact]
    public void TryParse_AParameterGivenTwice_KeepsEveryValue()
    {
        // Once within an element and once in a second element of the same SD-ID.
        var e = TestEvents.Parse(Parser, """<13>1 2024-05-01T12:00:00Z h a - - [auth@1 user="alice" user="mallory"][auth@1 user="eve"] m""");

        Assert.Equal("eve", e.Attributes["sd.auth@1.user"].Text);
        Assert.Equal("alice", e.Attributes["sd.auth@1.user#1"].Text);
        Assert.Equal("mallory", e.Attributes["sd.auth@1.user#2"].Text);
    }

    [Fact]
    public void TryParse_EscapedStructuredDataValues_AreUnescaped()
    {
        var e = TestEvents.Parse(Parser, """<13>1 2024-05-01T12:00:00Z h a - - [x@1 q="say \"hi\" \\ [ok\]"]""");

        Assert.Equal("say \"hi\" \\ [ok]", e.Attributes["sd.x@1.q"].Text);
        Assert.Equal(string.Empty, e.Body);
    }

    [Fact]
    public void TryParse_AllNilValues_LeavesFieldsEmpty()
    {
        var e = TestEvents.Parse(Parser, "<14>1 - - - - - - just a message");

        Assert.Null(e.Timestamp);
        Assert.Empty(e.Resource);
        Assert.Equal("just a message", e.Body);
        Assert.Equal(Severity.Info, e.SeverityNumber);
    }

    [Theory]
    [InlineData("no pri here", "<PRI>")]
    [InlineData("<999>1 - - - - - -", "<PRI>")]
    [InlineData("<13>Oct 11 22:14:15 host app: msg", "VERSION")]
    [InlineData("<13>1 yesterday host app - - -", "TIMESTAMP")]
    [InlineData("<13>1 2024-05-01T12:00:00Z host", "ends early")]
    [InlineData("<13>1 2024-05-01T12:00:00Z h a - - [x@1 q=\"unterminated]", "STRUCTURED-DATA")]
    public void TryParse_Malformed_FailsWithReason(string line, string expected)
    {
        Assert.Contains(expected, TestEvents.Fail(Parser, line), StringComparison.Ordinal);
    }
}
