using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using MaxMind.Db;
using MaxMind.GeoIP2;
using MaxMind.GeoIP2.Exceptions;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;

namespace Orleans.EventPipeline.Processing.Enrichment;

/// <summary>
/// GeoIP from a MaxMind DB with the City layout, memory-mapped once and shared: for each configured IP
/// field it adds <c>{field}.geo.country.iso_code</c>, <c>.country.name</c>, <c>.city.name</c>,
/// <c>.location.lat</c> and <c>.location.lon</c>, each only when the database has it. Private,
/// loopback, link-local and unparseable addresses are skipped, not errors.
/// </summary>
public sealed class GeoIpLookup : IDisposable
{
    private readonly DatabaseReader _reader;
    private readonly FieldNames[] _fields;

    private GeoIpLookup(DatabaseReader reader, IReadOnlyList<string> ipFields)
    {
        _reader = reader;
        _fields = [.. ipFields.Select(static f => new FieldNames(f))];
    }

    /// <summary>Opens the database; a file outside <paramref name="lookups"/>, a missing or a corrupt one is a failure that names the path.</summary>
    public static bool TryOpen(GeoIpSettings settings, LookupDirectory lookups, [NotNullWhen(true)] out GeoIpLookup? lookup, [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(lookups);
        lookup = null;
        try
        {
            if (!lookups.TryResolve(settings.DatabasePath, out var file, out var outside))
            {
                failure = $"GeoIP database {outside}";
                return false;
            }

            var reader = new DatabaseReader(file, FileAccessMode.MemoryMapped);
            lookup = new GeoIpLookup(reader, settings.IpFields);
            failure = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDatabaseException or ArgumentException or NotSupportedException)
        {
            failure = $"GeoIP database \"{settings.DatabasePath}\" cannot be opened ({e.Message}); put a MaxMind City .mmdb file at that path in the lookup directory of every silo, or remove GeoIp from the tenant's enrichment.";
            return false;
        }
    }

    /// <summary>Adds the location of every configured IP field of <paramref name="normalized"/> to <paramref name="attributes"/>.</summary>
    /// <exception cref="InvalidDatabaseException">The database is corrupt past its header.</exception>
    /// <param name="names">The event's repeated names: a field of the event's own under a location's name is kept as <c>{name}#n</c>.</param>
    public void AddTo(NormalizedEvent normalized, Dictionary<string, AttributeValue> attributes, ref RepeatedNames names)
    {
        foreach (var field in _fields)
        {
            if (!EventFields.TryGet(normalized, field.Field, out var text)
                || !IPAddress.TryParse(text, out var address)
                || !IsPublic(address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address))
            {
                continue;
            }

            try
            {
                if (!_reader.TryCity(address, out var city) || city is null)
                {
                    continue;
                }

                if (city.Country.IsoCode is { } iso) { names.Set(attributes, field.CountryIso, iso); }
                if (city.Country.Name is { } country) { names.Set(attributes, field.CountryName, country); }
                if (city.City.Name is { } cityName) { names.Set(attributes, field.CityName, cityName); }
                // A NaN or infinite coordinate is no location, and JSON (the archive) has no way to write it.
                if (city.Location.Latitude is { } lat && double.IsFinite(lat)) { names.Set(attributes, field.Latitude, lat); }
                if (city.Location.Longitude is { } lon && double.IsFinite(lon)) { names.Set(attributes, field.Longitude, lon); }
            }
            catch (Exception e) when (e is ArgumentException or GeoIP2Exception)
            {
                // An IPv6 address against an IPv4-only database, or a record of another layout: no location.
            }
        }
    }

    public void Dispose() => _reader.Dispose();

    /// <summary>False for addresses no database locates: private (RFC 1918, RFC 4193), loopback, link-local, CGNAT, multicast, unspecified.</summary>
    internal static bool IsPublic(IPAddress address)
    {
        if (IPAddress.IsLoopback(address))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return !(b[0] == 0 || b[0] == 10 || b[0] >= 224
                || (b[0] == 100 && (b[1] & 0xC0) == 64)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 168));
        }

        return !(address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
            || address.IsIPv6UniqueLocal || address.IsIPv6Multicast);
    }

    private sealed class FieldNames(string field)
    {
        public string Field { get; } = field;
        public string CountryIso { get; } = field + ".geo.country.iso_code";
        public string CountryName { get; } = field + ".geo.country.name";
        public string CityName { get; } = field + ".geo.city.name";
        public string Latitude { get; } = field + ".geo.location.lat";
        public string Longitude { get; } = field + ".geo.location.lon";
    }
}
