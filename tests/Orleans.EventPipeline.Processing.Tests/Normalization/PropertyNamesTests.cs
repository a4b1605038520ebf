using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Processing.Normalization;

namespace Orleans.EventPipeline.Processing.Tests.Normalization;

public sealed class PropertyNamesTests
{
    [Fact]
    public void Read_SameNameAgain_ReturnsTheSameString()
    {
        var names = new PropertyNames();

        var first = ReadName(names, """{"src_ip":1}""");
        var second = ReadName(names, """{"src_ip":2}""");

        Assert.Equal("src_ip", first);
        Assert.Same(first, second);
    }

    [Fact]
    public void Read_MoreNamesThanSlots_EachReadAsWritten()
    {
        // Twice the slots: names share slots and replace each other; every read must still give its own name.
        var names = new PropertyNames();
        var written = Enumerable.Range(0, PropertyNames.Slots * 2).Select(static i => $"field_{i}").ToArray();

        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var name in written)
            {
                Assert.Equal(name, ReadName(names, $$"""{"{{name}}":true}"""));
            }
        }
    }

    [Theory]
    [InlineData("""{"\u0061b":1}""", "ab")]
    [InlineData("""{"ab":1}""", "ab")]
    [InlineData("""{"größe":1}""", "größe")]
    [InlineData("""{"日志":1}""", "日志")]
    public void Read_EscapedOrNonAsciiAfterAsciiTwin_ReadAsWritten(string json, string expected)
    {
        var names = new PropertyNames();
        ReadName(names, """{"ab":0}""");

        Assert.Equal(expected, ReadName(names, json));
        Assert.Equal(expected, ReadName(names, json));
    }

    [Fact]
    public void Read_ManyNonAsciiNames_KeepAsciiNameInItsSlot()
    {
        // 4,000 names over 256 slots: without the ASCII rule one lands in the ASCII name's slot but for a 1 in 6 million chance.
        var names = new PropertyNames();
        var ascii = ReadName(names, """{"src_ip":1}""");
        for (var i = 0; i < 4000; i++)
        {
            Assert.Equal($"ß{i}", ReadName(names, $$"""{"ß{{i}}":1}"""));
        }

        Assert.Same(ascii, ReadName(names, """{"src_ip":2}"""));
    }

    [Fact]
    public void Read_NameLongerThanKept_ReadAsWritten()
    {
        var names = new PropertyNames();
        var name = new string('n', PropertyNames.MaxNameBytes + 1);

        Assert.Equal(name, ReadName(names, $$"""{"{{name}}":1}"""));
        Assert.NotSame(ReadName(names, $$"""{"{{name}}":1}"""), ReadName(names, $$"""{"{{name}}":1}"""));
    }

    private static string ReadName(PropertyNames names, string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.PropertyName, reader.TokenType);
        return names.Read(ref reader);
    }
}
