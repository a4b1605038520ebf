using System.Text;
using Orleans.EventPipeline.Agent.Sources;
using Orleans.EventPipeline.Agent.Sources.Syslog;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>The line and syslog TCP framing rules on byte buffers, including frames cut across reads.</summary>
public sealed class FramingTests
{
    [Fact]
    public void Lines_CrLfStripped_BlankSkipped_PartialLeftForTheNextRead()
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        var consumed = LineSplitter.Split(Encoding.UTF8.GetBytes("a\r\n\n  \nb\npart"), lines);
        Assert.Equal(["a", "b"], lines.Select(static l => Encoding.UTF8.GetString(l.Span)));
        Assert.Equal("a\r\n\n  \nb\n".Length, consumed);
    }

    [Fact]
    public void SyslogTcp_OctetCountingAndNewlineMixed_IncompleteFrameWaits()
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        var input = "11 <13>a\nb c d<14>line one\n<15>line two\n9 <13>cut";
        var consumed = SyslogTcpFraming.Split(Encoding.UTF8.GetBytes(input), 1024, lines);
        Assert.Equal(["<13>a#012b c d", "<14>line one", "<15>line two"], lines.Select(static l => Encoding.UTF8.GetString(l.Span)));
        Assert.Equal(input.Length - "9 <13>cut".Length, consumed);
    }

    [Fact]
    public void SyslogTcp_OctetCountOverTheLimit_ClosesTheConnection() =>
        Assert.Throws<InvalidDataException>(() => SyslogTcpFraming.Split("70000 <13>x"u8, 1024, []));
}
