using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Enrichment;

public sealed class GeoIpLookupTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly LookupDirectory _lookups;
    private readonly Enricher _enricher;

    public GeoIpLookupTests()
    {
        _lookups = new LookupDirectory(_directory.Path, "test");
        var database = new MmdbWriter()
            .Add("203.0.113.0/24", MmdbWriter.City("NO", "Norway", "Oslo", 59.9139, 10.7522))
            .Add("198.51.100.0/25", MmdbWriter.City("JP", "Japan", "Tokyo", 35.6895, 139.6917))
            .Add("8.8.8.0/24", new Dictionary<string, object>
            {
                ["country"] = new Dictionary<string, object> { ["iso_code"] = "US", ["names"] = new Dictionary<string, object> { ["en"] = "United States" } },
            })
            .Build();
        File.WriteAllBytes(_directory.File("test-city.mmdb"), database);
        // By name in the lookup directory, as an operator gives it.
        var settings = new EnrichmentSettings { GeoIp = new GeoIpSettings { DatabasePath = "test-city.mmdb", IpFields = ["src", "dst"] } };
        Assert.True(Enricher.TryCreate(settings, _lookups, NullLogger.Instance, out var enricher, out var failure), failure);
        _enricher = enricher;
    }

    [Fact]
    public void Enrich_PublicAddressesInDatabase_AddCountryCityAndLocation()
    {
        var enriched = Enrich(("src", "203.0.113.77"), ("dst", "198.51.100.5"));

        Assert.Equal("NO", enriched.Attributes["src.geo.country.iso_code"].Text);
        Assert.Equal("Norway", enriched.Attributes["src.geo.country.name"].Text);
        Assert.Equal("Oslo", enriched.Attributes["src.geo.city.name"].Text);
        Assert.Equal(59.9139, enriched.Attributes["src.geo.location.lat"].DoubleValue);
        Assert.Equal(10.7522, enriched.Attributes["src.geo.location.lon"].DoubleValue);
        Assert.Equal("Tokyo", enriched.Attributes["dst.geo.city.name"].Text);
    }

    [Fact]
    public void Enrich_LocationNamedLikeTheEventsOwnField_KeepsTheEventsValueAsNumbered()
    {
        var enriched = Enrich(("src", "203.0.113.77"), ("src.geo.city.name", "Atlantis"));

        Assert.Equal("Oslo", enriched.Attributes["src.geo.city.name"].Text);
        Assert.Equal("Atlantis", enriched.Attributes["src.geo.city.name#1"].Text);
    }

    [Fact]
    public void Enrich_RecordWithoutCityOrLocation_AddsOnlyWhatIsThere()
    {
        var enriched = Enrich(("src", "8.8.8.8"));

        Assert.Equal("US", enriched.Attributes["src.geo.country.iso_code"].Text);
        Assert.False(enriched.Attributes.ContainsKey("src.geo.city.name"));
        Assert.False(enriched.Attributes.ContainsKey("src.geo.location.lat"));
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("192.168.0.10")]
    [InlineData("172.16.5.4")]
    [InlineData("127.0.0.1")]
    [InlineData("fe80::1")]
    [InlineData("not-an-ip")]
    [InlineData("198.51.100.200")]
    [InlineData("2001:db8::1")]
    public void Enrich_PrivateUnknownOrUnparseable_IsSkippedNotFailed(string address)
    {
        var enriched = Enrich(("src", address));

        Assert.Single(enriched.Attributes);
    }

    [Fact]
    public void TryCreate_MissingDatabase_FailsNamingThePath()
    {
        var settings = new EnrichmentSettings { GeoIp = new GeoIpSettings { DatabasePath = _directory.File("absent.mmdb"), IpFields = ["src"] } };

        Assert.False(Enricher.TryCreate(settings, _lookups, NullLogger.Instance, out _, out var failure));

        Assert.Contains("absent.mmdb", failure, StringComparison.Ordinal);
    }

    /// <summary>A database outside the lookup directory, by its path or through a link in the directory, is refused unopened (helper-123).</summary>
    [Fact]
    public void TryCreate_DatabaseOutsideTheLookupDirectory_RefusedUnopened()
    {
        using var outside = new TempDirectory();
        File.Copy(_directory.File("test-city.mmdb"), outside.File("elsewhere.mmdb"));
        File.CreateSymbolicLink(_directory.File("linked.mmdb"), outside.File("elsewhere.mmdb"));

        var byPath = new EnrichmentSettings { GeoIp = new GeoIpSettings { DatabasePath = outside.File("elsewhere.mmdb"), IpFields = ["src"] } };
        var byLink = new EnrichmentSettings { GeoIp = new GeoIpSettings { DatabasePath = "linked.mmdb", IpFields = ["src"] } };

        Assert.False(Enricher.TryCreate(byPath, _lookups, NullLogger.Instance, out _, out var pathFailure));
        Assert.False(Enricher.TryCreate(byLink, _lookups, NullLogger.Instance, out _, out var linkFailure));
        Assert.Equal($"GeoIP database \"{outside.File("elsewhere.mmdb")}\" is outside the lookup directory {_lookups.Root} (test): put the file in that directory and name it relative to it, e.g. \"elsewhere.mmdb\"; no file outside it is read.", pathFailure);
        Assert.StartsWith($"GeoIP database \"linked.mmdb\" leads out of the lookup directory {_lookups.Root} (test) through a symbolic link", linkFailure, StringComparison.Ordinal);
    }

    [Fact]
    public void Enrich_ADatabaseCorruptPastItsHeader_MarksTheEventKeepsTheOtherFieldsAndTellsWhy()
    {
        var database = new MmdbWriter().Add("8.8.8.0/24", MmdbWriter.City("US", "United States", "Mountain View", 37.4, -122.1)).Build();
        // The root node's left record (addresses whose first bit is 0, 8.8.8.8 among them) points far past the file.
        database[0] = database[1] = database[2] = 0xFF;
        File.WriteAllBytes(_directory.File("corrupt.mmdb"), database);
        var settings = new EnrichmentSettings
        {
            StaticFields = new Dictionary<string, string> { ["env"] = "prod" },
            GeoIp = new GeoIpSettings { DatabasePath = _directory.File("corrupt.mmdb"), IpFields = ["src"] },
        };
        Assert.True(Enricher.TryCreate(settings, _lookups, NullLogger.Instance, out var enricher, out var failure), failure);
        using (enricher)
        {
            var e = TestEvents.At(0) with { Attributes = new Dictionary<string, AttributeValue> { ["src"] = "8.8.8.8" } };

            var enriched = enricher.Enrich(e);

            Assert.StartsWith("GeoIP: the database is corrupt", enriched.Attributes[Enricher.ErrorAttribute].Text, StringComparison.Ordinal);
            Assert.Equal("prod", enriched.Attributes["env"].Text);
            Assert.Equal("8.8.8.8", enriched.Attributes["src"].Text);
            Assert.Equal(enriched.Attributes[Enricher.ErrorAttribute].Text, enricher.Failure);
        }
    }

    [Fact]
    public void FilesFingerprint_ChangesWhenTheDatabaseIsReplaced_NotOtherwise()
    {
        var settings = new EnrichmentSettings { GeoIp = new GeoIpSettings { DatabasePath = _directory.File("later.mmdb"), IpFields = ["src"] } };
        var absent = Enricher.FilesFingerprint(settings, _lookups);
        Assert.Equal(absent, Enricher.FilesFingerprint(settings, _lookups));

        File.WriteAllBytes(_directory.File("later.mmdb"), new MmdbWriter().Add("8.8.8.0/24", MmdbWriter.City("US", "United States", "X", 1, 1)).Build());
        var present = Enricher.FilesFingerprint(settings, _lookups);
        File.SetLastWriteTimeUtc(_directory.File("later.mmdb"), new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        Assert.NotEqual(absent, present);
        Assert.NotEqual(present, Enricher.FilesFingerprint(settings, _lookups));
    }

    public void Dispose()
    {
        _enricher.Dispose();
        _directory.Dispose();
    }

    private NormalizedEvent Enrich(params (string Field, string Address)[] fields)
    {
        var e = TestEvents.At(0) with { Attributes = fields.ToDictionary(static f => f.Field, static f => (AttributeValue)f.Address) };
        return _enricher.Enrich(e);
    }
}
