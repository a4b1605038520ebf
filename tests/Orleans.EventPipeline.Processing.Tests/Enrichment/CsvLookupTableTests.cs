using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Enrichment;

public sealed class CsvLookupTableTests
{
    private const string Assets = "host,owner,tier,notes\r\nweb-1,\"Platform, Web\",1,\"said \"\"hi\"\"\"\ndb-2,Data,0,\"two\nlines\"\n\n";

    [Fact]
    public void Enrich_InlineTableWithQuotedFields_AddsPrefixedColumns()
    {
        var enricher = Create(new LookupTableSettings { Name = "assets", Content = Assets, MatchField = "host.name", KeyColumn = "host" });

        var web = enricher.Enrich(WithHost("web-1"));
        var db = enricher.Enrich(WithHost("db-2"));

        Assert.Equal("Platform, Web", web.Attributes["lookup.assets.owner"].Text);
        Assert.Equal("1", web.Attributes["lookup.assets.tier"].Text);
        Assert.Equal("said \"hi\"", web.Attributes["lookup.assets.notes"].Text);
        Assert.False(web.Attributes.ContainsKey("lookup.assets.host"));
        Assert.Equal("two\nlines", db.Attributes["lookup.assets.notes"].Text);
    }

    // With no prefix, a column named like the event's own field wrote over it: the sender's "user":"alice" became "bob",
    // and a column named enrichment.error could replace that mark (helper-110).
    [Fact]
    public void Enrich_ColumnNamedLikeTheEventsOwnField_KeepsTheEventsValueAsNumbered()
    {
        var enricher = Create(new LookupTableSettings { Name = "ips", Content = "ip,user,enrichment.error\n10.0.0.1,bob,forged\n", MatchField = "ip", KeyColumn = "ip", Prefix = "" });
        var e = TestEvents.At(0) with { Attributes = new Dictionary<string, AttributeValue> { ["ip"] = "10.0.0.1", ["user"] = "alice", ["enrichment.error"] = "sent" } };

        var enriched = enricher.Enrich(e);

        Assert.Equal("bob", enriched.Attributes["user"].Text);
        Assert.Equal("alice", enriched.Attributes["user#1"].Text);
        Assert.Equal("forged", enriched.Attributes["enrichment.error"].Text);
        Assert.Equal("sent", enriched.Attributes["enrichment.error#1"].Text);
    }

    // Content pasted from a file a Windows tool saved: "no column "ip" (header: \uFEFFip ...)", where the same file by Path loaded.
    [Fact]
    public void Enrich_InlineTableWithAByteOrderMark_LoadsAsTheFileDoes()
    {
        var enricher = Create(new LookupTableSettings { Name = "bom", Content = "\uFEFFip,owner\n10.0.0.1,net\n", MatchField = "ip", KeyColumn = "ip" });
        var e = TestEvents.At(0) with { Attributes = new Dictionary<string, AttributeValue> { ["ip"] = "10.0.0.1" } };

        Assert.Equal("net", enricher.Enrich(e).Attributes["lookup.bom.owner"].Text);
    }

    [Fact]
    public void Enrich_TableFromFileOnAttribute_MatchesAttributeWithCustomPrefix()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("users.csv"), "user,department\nann,finance\n");
        var enricher = Create(new LookupTableSettings { Name = "users", Path = directory.File("users.csv"), MatchField = "suser", KeyColumn = "user", Prefix = "user." });
        var e = TestEvents.At(0) with { Attributes = new Dictionary<string, AttributeValue> { ["suser"] = "ann" } };

        var enriched = enricher.Enrich(e);

        Assert.Equal("finance", enriched.Attributes["user.department"].Text);
    }

    [Fact]
    public void Enrich_FileWithByteOrderMarkAndCrlf_HeaderNamesTheKeyColumn()
    {
        using var directory = new TempDirectory();
        File.WriteAllBytes(directory.File("assets.csv"), [.. System.Text.Encoding.UTF8.GetPreamble(), .. "host,owner\r\nweb-1,\"Platform\r\nWeb\"\r\n\r\nweb-2,\"\"\r\n"u8]);
        var enricher = Create(new LookupTableSettings { Name = "assets", Path = directory.File("assets.csv"), MatchField = "host.name", KeyColumn = "host" });

        var web1 = enricher.Enrich(WithHost("web-1"));
        var web2 = enricher.Enrich(WithHost("web-2"));

        Assert.Equal("Platform\r\nWeb", web1.Attributes["lookup.assets.owner"].Text);
        Assert.Equal("", web2.Attributes["lookup.assets.owner"].Text);
    }

    [Fact]
    public void TryCreate_QuoteNeverClosed_FailureNamesTheLineItOpensOn()
    {
        var settings = new EnrichmentSettings { LookupTables = [new LookupTableSettings { Name = "assets", Content = "host,owner\nweb-1,a\n\"web-2,open\nweb-3,c\n", MatchField = "host.name", KeyColumn = "host" }] };

        Assert.False(Enricher.TryCreate(settings, NullLogger.Instance, out _, out var failure));

        Assert.Contains("a quoted field opened on line 3 is never closed", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Enrich_UnknownKeyOrMissingField_LeavesEventUnchanged()
    {
        var enricher = Create(new LookupTableSettings { Name = "assets", Content = Assets, MatchField = "host.name", KeyColumn = "host" });

        var unknown = enricher.Enrich(WithHost("unknown"));
        var noHost = enricher.Enrich(TestEvents.At(0));

        Assert.Empty(unknown.Attributes);
        Assert.Empty(noHost.Attributes);
    }

    [Theory]
    [InlineData("owner,tier\nx,1\n", "no column \"host\"")]
    [InlineData("host,owner\n\"web-1,open\n", "never closed")]
    [InlineData("", "empty")]
    public void TryCreate_BadTable_FailsWithReason(string content, string expected)
    {
        var settings = new EnrichmentSettings { LookupTables = [new LookupTableSettings { Name = "assets", Content = content, MatchField = "host.name", KeyColumn = "host" }] };

        Assert.False(Enricher.TryCreate(settings, NullLogger.Instance, out _, out var failure));

        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_MissingFile_FailsNamingThePath()
    {
        var settings = new EnrichmentSettings { LookupTables = [new LookupTableSettings { Name = "assets", Path = "/nonexistent/assets.csv", MatchField = "host.name", KeyColumn = "host" }] };

        Assert.False(Enricher.TryCreate(settings, NullLogger.Instance, out _, out var failure));

        Assert.Contains("/nonexistent/assets.csv", failure, StringComparison.Ordinal);
    }

    private static Enricher Create(LookupTableSettings table)
    {
        Assert.True(Enricher.TryCreate(new EnrichmentSettings { LookupTables = [table] }, NullLogger.Instance, out var enricher, out var failure), failure);
        return enricher;
    }

    private static NormalizedEvent WithHost(string host) => TestEvents.At(0) with { Resource = new Dictionary<string, string> { ["host.name"] = host } };
}
