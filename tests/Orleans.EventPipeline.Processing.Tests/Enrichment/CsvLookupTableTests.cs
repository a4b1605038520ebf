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
        var enricher = Create(new LookupTableSettings { Name = "users", Path = directory.File("users.csv"), MatchField = "suser", KeyColumn = "user", Prefix = "user." }, In(directory));
        var e = TestEvents.At(0) with { Attributes = new Dictionary<string, AttributeValue> { ["suser"] = "ann" } };

        var enriched = enricher.Enrich(e);

        Assert.Equal("finance", enriched.Attributes["user.department"].Text);
    }

    [Fact]
    public void Enrich_FileWithByteOrderMarkAndCrlf_HeaderNamesTheKeyColumn()
    {
        using var directory = new TempDirectory();
        File.WriteAllBytes(directory.File("assets.csv"), [.. System.Text.Encoding.UTF8.GetPreamble(), .. "host,owner\r\nweb-1,\"Platform\r\nWeb\"\r\n\r\nweb-2,\"\"\r\n"u8]);
        var enricher = Create(new LookupTableSettings { Name = "assets", Path = directory.File("assets.csv"), MatchField = "host.name", KeyColumn = "host" }, In(directory));

        var web1 = enricher.Enrich(WithHost("web-1"));
        var web2 = enricher.Enrich(WithHost("web-2"));

        Assert.Equal("Platform\r\nWeb", web1.Attributes["lookup.assets.owner"].Text);
        Assert.Equal("", web2.Attributes["lookup.assets.owner"].Text);
    }

    [Fact]
    public void TryCreate_QuoteNeverClosed_FailureNamesTheLineItOpensOn()
    {
        var settings = new EnrichmentSettings { LookupTables = [new LookupTableSettings { Name = "assets", Content = "host,owner\nweb-1,a\n\"web-2,open\nweb-3,c\n", MatchField = "host.name", KeyColumn = "host" }] };

        Assert.False(Enricher.TryCreate(settings, TestLookups.None, NullLogger.Instance, out _, out var failure));

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

        Assert.False(Enricher.TryCreate(settings, TestLookups.None, NullLogger.Instance, out _, out var failure));

        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_MissingFile_FailsNamingThePath()
    {
        using var directory = new TempDirectory();
        var settings = new EnrichmentSettings { LookupTables = [Table("nonexistent/assets.csv")] };

        Assert.False(Enricher.TryCreate(settings, In(directory), NullLogger.Instance, out _, out var failure));

        Assert.Contains("cannot read \"nonexistent/assets.csv\"", failure, StringComparison.Ordinal);
        Assert.Contains(directory.File("nonexistent/assets.csv"), failure, StringComparison.Ordinal);
    }

    /// <summary>A path is taken relative to the lookup directory, and may name a file in a folder of it or through a link that stays in it.</summary>
    [Fact]
    public void Enrich_RelativePathAndLinkInsideTheDirectory_LoadFromTheDirectory()
    {
        using var directory = new TempDirectory();
        Directory.CreateDirectory(directory.File("teams"));
        File.WriteAllText(directory.File("teams/assets.csv"), "host,owner\nweb-1,team-a\n");
        File.CreateSymbolicLink(directory.File("current.csv"), "teams/assets.csv");

        var relative = Create(Table("teams/assets.csv"), In(directory));
        var linked = Create(Table("current.csv"), In(directory));
        var absolute = Create(Table(directory.File("teams/../teams/assets.csv")), In(directory));

        Assert.All([relative, linked, absolute], static enricher => Assert.Equal("team-a", enricher.Enrich(WithHost("web-1")).Attributes["lookup.assets.owner"].Text));
    }

    /// <summary>
    /// An admin could name any file the silo can read (helper-123): a path that leads out of the lookup directory — absolute
    /// elsewhere, up through "..", or through a symbolic link in it, of a file or of a folder — is refused before the file
    /// is opened. Each names a table that would load (its key column is there) and hold a secret, so a read would show.
    /// </summary>
    [Fact]
    public void TryCreate_PathLeadingOutOfTheLookupDirectory_RefusedWithoutReadingTheFile()
    {
        using var outside = new TempDirectory();
        using var directory = new TempDirectory();
        File.WriteAllText(outside.File("secrets.csv"), "host,password\nweb-1,hunter2\n");
        File.CreateSymbolicLink(directory.File("link.csv"), outside.File("secrets.csv"));
        File.CreateSymbolicLink(directory.File("relative-link.csv"), Path.Combine("..", Path.GetFileName(outside.Path), "secrets.csv"));
        Directory.CreateSymbolicLink(directory.File("folder"), outside.Path);
        File.CreateSymbolicLink(directory.File("loop-a.csv"), "loop-b.csv");
        File.CreateSymbolicLink(directory.File("loop-b.csv"), "loop-a.csv");
        var lookups = In(directory);

        var outsidePaths = new[] { outside.File("secrets.csv"), Path.Combine("..", Path.GetFileName(outside.Path), "secrets.csv") };
        var linkPaths = new[] { "link.csv", "relative-link.csv", "folder/secrets.csv", directory.File("folder/secrets.csv"), "loop-a.csv" };

        foreach (var path in outsidePaths)
        {
            Assert.False(Enricher.TryCreate(new EnrichmentSettings { LookupTables = [Table(path)] }, lookups, NullLogger.Instance, out _, out var failure), path);
            Assert.Contains($"Lookup table \"assets\": \"{path}\" is outside the lookup directory {lookups.Root} (test)", failure, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", failure, StringComparison.Ordinal);
        }

        foreach (var path in linkPaths)
        {
            Assert.False(Enricher.TryCreate(new EnrichmentSettings { LookupTables = [Table(path)] }, lookups, NullLogger.Instance, out _, out var failure), path);
            Assert.Contains($"\"{path}\" leads out of the lookup directory {lookups.Root} (test) through a symbolic link", failure, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", failure, StringComparison.Ordinal);
        }
    }

    private static LookupDirectory In(TempDirectory directory) => new(directory.Path, "test");

    private static LookupTableSettings Table(string path) => new() { Name = "assets", Path = path, MatchField = "host.name", KeyColumn = "host" };

    private static Enricher Create(LookupTableSettings table, LookupDirectory? lookups = null)
    {
        Assert.True(Enricher.TryCreate(new EnrichmentSettings { LookupTables = [table] }, lookups ?? TestLookups.None, NullLogger.Instance, out var enricher, out var failure), failure);
        return enricher;
    }

    private static NormalizedEvent WithHost(string host) => TestEvents.At(0) with { Resource = new Dictionary<string, string> { ["host.name"] = host } };
}
