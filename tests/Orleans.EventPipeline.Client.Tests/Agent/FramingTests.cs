using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.Agent.Sources;
using Orleans.EventPipeline.Agent.Sources.Syslog;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>The line and syslog TCP framing rules on byte buffers, including frames and cut lines across reads.</summary>
public sealed class FramingTests
{
    [Fact]
    public void Lines_CrLfStripped_BlankSkipped_PartialLeftForTheNextRead()
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        var consumed = new LineSplitter(1024, int.MaxValue, "test", NullLogger.Instance).Split(Encoding.UTF8.GetBytes("a\r\n\n  \nb\npart"), lines);
        Assert.Equal(["a", "b"], Texts(lines));
        Assert.Equal("a\r\n\n  \nb\npart".Length - "part".Length, consumed);
    }

    /// <summary>
    /// A file saved with a byte order mark before an empty first line: the client now refuses an event that is only a
    /// BOM, so the agent's framing skips it as the blank line it is, rather than have SendAsync throw.
    /// </summary>
    [Fact]
    public void Lines_OnlyAByteOrderMark_SkippedAsBlank_ABomBeforeTextKept()
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        new LineSplitter(1024, int.MaxValue, "test", NullLogger.Instance).Split("\uFEFF\r\n\uFEFFa\n \uFEFF\nb\n"u8.ToArray(), lines);

        Assert.Equal(["\uFEFFa", " \uFEFF", "b"], Texts(lines));
        Assert.Null(SyslogMessages.ToLine("\uFEFF \r\n"u8));
    }

    [Fact]
    public void Lines_OneSplitTakesAtMostMaxTakeBytes_TheRestOnTheNext()
    {
        // 10 bytes per split (one send's worth): "abc\ndef\n" fits, "ghi\n" waits for the next split.
        var splitter = new LineSplitter(8, 10, "test", NullLogger.Instance);
        var lines = new List<ReadOnlyMemory<byte>>();
        var text = Encoding.UTF8.GetBytes("abc\ndef\nghi\n");
        Assert.Equal(8, splitter.Split(text, lines));
        Assert.Equal(["abc", "def"], Texts(lines));
        lines.Clear();
        Assert.Equal(4, splitter.Split(text.AsMemory(8), lines));
        Assert.Equal(["ghi"], Texts(lines));
    }

    [Fact]
    public void Lines_OverTheLimit_TakenCutOnce_TheRestSkippedAcrossReads()
    {
        var splitter = new LineSplitter(8, int.MaxValue, "test", NullLogger.Instance);
        var lines = new List<ReadOnlyMemory<byte>>();
        // A 9-byte buffer (BufferBytes) holding no line break: the line is past the limit.
        Assert.Equal(9, splitter.Split("123456789"u8.ToArray(), lines));
        Assert.True(splitter.InCutLine);
        Assert.Equal(5, splitter.Split("abcde"u8.ToArray(), lines));
        Assert.Equal(6, splitter.Split("fg\nok\nnext"u8.ToArray(), lines));
        // A complete line over the limit within one buffer too.
        Assert.Equal(12, splitter.Split("0123456789\n\n"u8.ToArray(), lines));
        Assert.Equal(["12345678", "ok", "01234567"], Texts(lines));
        Assert.Equal(2, splitter.CutLines);
        Assert.Equal(1 + 5 + 2 + 2, splitter.SkippedBytes);
        Assert.False(splitter.InCutLine);
    }

    [Theory]
    // é is 2 bytes, € 3, 😀 4: a limit of 8 falls inside the fourth é, the third €, the second 😀. Skipped: the part
    // of that character, then the rest of the line.
    [InlineData("aéééé\n", "aééé", 1 + 1)]
    [InlineData("€€€\n", "€€", 2 + 1)]
    [InlineData("a😀😀\n", "a😀", 3 + 1)]
    // A limit that falls between characters takes all 8 bytes.
    [InlineData("éééé€\n", "éééé", 3)]
    public void Lines_OverTheLimit_CutBeforeACharacterTheLimitSplits(string line, string taken, int skipped)
    {
        var splitter = new LineSplitter(8, int.MaxValue, "test", NullLogger.Instance);
        var lines = new List<ReadOnlyMemory<byte>>();

        splitter.Split(Encoding.UTF8.GetBytes(line), lines);

        // Half a character is invalid UTF-8: the gateway refused the whole event, to the dead letters (helper-104).
        Assert.Equal([taken], Texts(lines));
        Assert.Equal(skipped, splitter.SkippedBytes);
    }

    [Fact]
    public void SyslogTcp_OctetCountingAndNewlineMixed_IncompleteFrameWaits()
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        var input = "11 <13>a\nb c d<14>line one\n<15>line two\n9 <13>cut";
        var consumed = Framing(1024).Split(Encoding.UTF8.GetBytes(input), lines);
        Assert.Equal(["<13>a#012b c d", "<14>line one", "<15>line two"], Texts(lines));
        Assert.Equal(input.Length - "9 <13>cut".Length, consumed);
    }

    [Fact]
    public void SyslogTcp_DigitsNotFollowedBySpaceAndPri_AreNewlineFramed()
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        var input = "42 apples\n12345678901 <13>eleven digits\n7x\n5 <13>a\n";
        var consumed = Framing(1024).Split(Encoding.UTF8.GetBytes(input), lines);
        Assert.Equal(["42 apples", "12345678901 <13>eleven digits", "7x", "<13>a"], Texts(lines));
        Assert.Equal(input.Length, consumed);
    }

    [Fact]
    public void SyslogTcp_OctetCountOverTheLimit_TakenCut_TheRestSkippedByCount_TheNextFrameKept()
    {
        var framing = Framing(480);
        var lines = new List<ReadOnlyMemory<byte>>();
        var big = "<13>" + new string('x', 996);
        var input = Encoding.UTF8.GetBytes($"5 <13>a1000 {big}5 <13>b");
        var consumed = 0;
        // Fed in reads of at most BufferBytes, as the connection does.
        while (consumed < input.Length)
        {
            consumed += framing.Split(input.AsSpan(consumed, Math.Min(framing.BufferBytes, input.Length - consumed)), lines);
        }

        Assert.Equal(["<13>a", big[..480], "<13>b"], Texts(lines));
        Assert.Equal(1, framing.CutMessages);
    }

    [Fact]
    public void SyslogTcp_CloseInsideAFrame_ItsPartIsTaken()
    {
        var framing = Framing(1024);
        var lines = new List<ReadOnlyMemory<byte>>();
        var rest = "500 <13>cut short"u8;
        Assert.Equal(0, framing.Split(rest, lines));
        framing.End(rest, lines);
        Assert.Equal(["<13>cut short"], Texts(lines));
    }

    private static SyslogTcpFraming Framing(int maxMessageBytes) => new(maxMessageBytes, "test", NullLogger.Instance);

    private static List<string> Texts(List<ReadOnlyMemory<byte>> lines) => [.. lines.Select(static l => Encoding.UTF8.GetString(l.Span))];
}
