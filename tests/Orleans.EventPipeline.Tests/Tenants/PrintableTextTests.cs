using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Tests.Tenants;

public sealed class PrintableTextTests
{
    // char.IsControl let these through: a name "admin\u202Eyek" shows reversed on the tenants page, U+2028 breaks a line
    // in the pages' scripts and in log viewers that follow Unicode, and a lone surrogate is no character at all.
    [Theory]
    [InlineData("ab\u2028c", 2, "a line separator (U+2028 at position 3)")]
    [InlineData("ab\u2029c", 2, "a line separator (U+2029 at position 3)")]
    [InlineData("key\u202Eyek", 3, "a text-direction character (U+202E at position 4)")]
    [InlineData("\u2066x\u2069", 0, "a text-direction character (U+2066 at position 1)")]
    [InlineData("x\u200F", 1, "a text-direction character (U+200F at position 2)")]
    [InlineData("a\u0007b", 1, "a control character (U+0007 at position 2)")]
    [InlineData("acme\u200B", 4, "an invisible character (U+200B at position 5)")]
    [InlineData("ac\u2060me", 2, "an invisible character (U+2060 at position 3)")]
    [InlineData("\uFEFFacme", 0, "an invisible character (U+FEFF at position 1)")]
    public void Refused_NamedWithItsKindAndPosition(string name, int at, string problem)
    {
        Assert.Equal(at, PrintableText.FirstControlCharacter(name));
        Assert.Equal($"name has {problem}: use printable text on one line.", PrintableText.ControlCharacterProblem("name", name, at));
    }

    // Built here: xunit's test data turns a lone surrogate in an attribute into U+FFFD.
    [Theory]
    [InlineData(0xD800, "x", "y")]
    [InlineData(0xDE00, "x", "")]
    [InlineData(0xDBFF, "x", "")]
    public void LoneSurrogate_Refused(int surrogate, string before, string after)
    {
        var name = before + (char)surrogate + after;

        Assert.Equal(before.Length, PrintableText.FirstControlCharacter(name));
        Assert.Equal($"name has a lone surrogate (U+{surrogate:X4} at position {before.Length + 1}): use printable text on one line.", PrintableText.ControlCharacterProblem("name", name, before.Length));
    }

    [Theory]
    [InlineData("Acme GmbH – Zürich")]
    [InlineData("team \U0001F468\u200D\U0001F469\u200D\U0001F467")] // a joined emoji sequence: a pair of surrogates and joiners
    [InlineData("שלום עולם")]
    [InlineData("\u0645\u0631\u062D\u0628\u0627")]
    public void Printable_Kept(string name) => Assert.Equal(-1, PrintableText.FirstControlCharacter(name));
}
