using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Enrichment;

public sealed class GeoIpLookupTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly Enricher _enricher;

    public GeoIpLookupTests()
    {
        var database = new MmdbWriter()
            .Add("203.0.113.0/24", MmdbWriter.City("NO", "Norway", "Oslo", 59.9139, 10.7522))
            .Add("198.51.100.0/25", MmdbWriter.City("JP", "Japan", "Tokyo", 35.6895, 139.6917))
            .Add("8.8.8.0/24", new Dictionary<string, object>
            {
                ["country"] = new Dictionary<string, object> { ["iso_code"] = "US", ["names"] = new Dictionary<string, object> { ["en"] = "United States" } },
            })
            .Build();
        File.WriteAllBytes(_directory.File("test-city.mmdb"), database);
        var settings = new EnrichmentSettings { GeoIp = new GeoIpSettings { DatabasePath = _directory.File("test-city.mmdb"), IpFields = ["src", "dst"] } };
        Assert.True(Enricher.TryCreate(settings, NullLogger.Instance, out var enricher, out var failure), failure);
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

        Assert.False(Enricher.TryCreate(settings, NullLogger.Instance, out _, out var failure));

        Assert.Contains("absent.mmdb", failure, StringComparison.Ordinal);
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
