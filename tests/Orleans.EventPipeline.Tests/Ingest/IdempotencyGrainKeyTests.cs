using Orleans.EventPipeline.Ingest;

namespace Orleans.EventPipeline.Tests.Ingest;

public sealed class IdempotencyGrainKeyTests
{
    // Every character an Idempotency-Key may hold (printable ASCII without the space).
    private static readonly string Printable = new([.. Enumerable.Range('!', '~' - '!' + 1).Select(static c => (char)c)]);

    [Theory]
    [InlineData("batch-7")]
    [InlineData("host1_batch-7")]
    [InlineData("a%2Fb")]
    [InlineData("0196c0b6a4b87d3e9f11aa22bb33cc44")]
    public void For_KeyWithoutCharactersTableKeysCannotHold_IsTheGrainKeyItHadBefore(string key) =>
        Assert.Equal($"acme/{key}", IdempotencyGrainKey.For("acme", key));

    [Theory]
    [InlineData("host1/batch-7")]
    [InlineData("a\\b#c?d")]
    public void For_NotForTableStorage_IsTheKeyAsSent(string key)
    {
        // SQLite keeps every grain id apart: a local silo's key keeps the grain, and the record, it had before.
        Assert.Equal($"acme/{key}", IdempotencyGrainKey.For("acme", key, forTableStorage: false));
        Assert.Equal(("acme", key), IdempotencyGrainKey.Parse(IdempotencyGrainKey.For("acme", key, forTableStorage: false)));
    }

    [Fact]
    public void For_KeysThatATableKeyWouldMakeOne_StayApartAsTableKeys()
    {
        string[] keys = ["a/b", "a_b", "a#b", "a?b", "a\\b", "a%2Fb", "a_2Fb", "/", "_", "//", "__", "?#", "#?"];

        // What Orleans' Azure Table storage does to a grain id before it becomes a key.
        var tableKeys = keys.Select(static key => AsTableKey(IdempotencyGrainKey.For("acme", key))).ToList();

        Assert.Equal(keys.Length, tableKeys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Parse_GivesBackTenantAndKey_ForEveryCharacterAKeyMayHold()
    {
        for (var i = 0; i < Printable.Length; i++)
        {
            var key = $"k{Printable[i]}{Printable[(i * 7) % Printable.Length]}";
            Assert.Equal(("acme", key), IdempotencyGrainKey.Parse(IdempotencyGrainKey.For("acme", key)));
        }

        Assert.Equal(("acme", Printable), IdempotencyGrainKey.Parse(IdempotencyGrainKey.For("acme", Printable)));
    }

    [Fact]
    public void For_TheLongestKeyOfEscapedCharacters_FitsATableKey()
    {
        // 128 characters (the gateway's limit), each escaped to three: well under a table key's 1,024.
        var grainKey = IdempotencyGrainKey.For("acme", new string('/', 128));
        Assert.True(AsTableKey(grainKey).Length < 1024 - 64, grainKey.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("acme")]
    [InlineData("/key")]
    [InlineData("acme/a§2")]
    [InlineData("acme/a§zz")]
    public void Parse_NotAGrainKeyOfFor_Throws(string grainKey) =>
        Assert.Throws<FormatException>(() => IdempotencyGrainKey.Parse(grainKey));

    [Fact]
    public void For_KeyHoldingTheEscapeMark_Throws() =>
        Assert.Throws<ArgumentException>(() => IdempotencyGrainKey.For("acme", "a§2Fb"));

    private static string AsTableKey(string grainKey) =>
        $"service_idempotentingest/{grainKey}".Replace('/', '_').Replace('\\', '_').Replace('#', '_').Replace('?', '_');
}
