using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Orleans.EventPipeline.Processing.Archive;

/// <summary>
/// The name of one archive object: <c>{tenant}/yyyy/MM/dd/HH/{streamKey}-{first:D20}-{last:D20}.ndjson.zst</c>.
/// The hour is that of the object's first event (UTC); first and last are the stream sequence numbers of
/// the batches it holds. Everything in the name comes from the events and their stream positions, so a
/// replay of the same batches after a crash names, and so overwrites, the same object.
/// </summary>
public readonly record struct ArchiveObjectName(string TenantId, DateTimeOffset Hour, string StreamKey, long FirstSequence, long LastSequence)
{
    public const string Extension = ".ndjson.zst";

    /// <summary>
    /// A marker's extension: an empty object in the folder of an hour whose events an object in another hour's folder
    /// holds, so that a range listing finds that object there too (<see cref="SpillName"/>).
    /// </summary>
    public const string SpillExtension = ".spill";

    private const string HomeFormat = "yyyyMMddHH";

    // 20 digits hold any non-negative long, so names sort by position as text.
    private const string SequenceFormat = "D20";
    private const string HourFormat = "yyyy'/'MM'/'dd'/'HH";
    private const int SequenceDigits = 20;

    /// <summary>The full object name.</summary>
    public string Name => string.Create(CultureInfo.InvariantCulture,
        $"{FolderOf(TenantId, Hour)}{SequencePrefix(StreamKey, FirstSequence)}{LastSequence.ToString(SequenceFormat, CultureInfo.InvariantCulture)}{Extension}");

    /// <summary>The folder of a tenant's objects for the hour that holds <paramref name="time"/>.</summary>
    public static string FolderOf(string tenantId, DateTimeOffset time)
    {
        var hour = TruncateToHour(time);
        return string.Create(CultureInfo.InvariantCulture, $"{tenantId}/{hour.ToString(HourFormat, CultureInfo.InvariantCulture)}/");
    }

    /// <summary>The start of the UTC hour that holds <paramref name="time"/>.</summary>
    public static DateTimeOffset TruncateToHour(DateTimeOffset time)
    {
        var utc = time.UtcTicks;
        return new DateTimeOffset(utc - (utc % TimeSpan.TicksPerHour), TimeSpan.Zero);
    }

    /// <summary>The part of a name shared by every object of a stream key that starts at <paramref name="firstSequence"/>.</summary>
    public static string SequencePrefix(string streamKey, long firstSequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{streamKey}-{firstSequence.ToString(SequenceFormat, CultureInfo.InvariantCulture)}-");

    /// <summary>
    /// This object's marker in the folder of <paramref name="hour"/>:
    /// <c>{tenant}/{hour}/{streamKey}-{first:D20}-{last:D20}.{this object's hour as yyyyMMddHH}.spill</c>.
    /// </summary>
    public string SpillName(DateTimeOffset hour) => string.Create(CultureInfo.InvariantCulture,
        $"{FolderOf(TenantId, hour)}{SequencePrefix(StreamKey, FirstSequence)}{LastSequence.ToString(SequenceFormat, CultureInfo.InvariantCulture)}.{Hour.ToString(HomeFormat, CultureInfo.InvariantCulture)}{SpillExtension}");

    /// <summary>The object a marker (<see cref="SpillName"/>) points to; false for anything else.</summary>
    public static bool TryParseSpill(string name, out ArchiveObjectName target)
    {
        target = default;
        if (name is null || !name.EndsWith(SpillExtension, StringComparison.Ordinal))
        {
            return false;
        }

        var tenantEnd = name.IndexOf('/', StringComparison.Ordinal);
        var fileStart = name.LastIndexOf('/') + 1;
        var file = name.AsSpan(fileStart, name.Length - fileStart - SpillExtension.Length);
        var dot = file.LastIndexOf('.');
        if (tenantEnd <= 0 || dot < 0
            || !DateTimeOffset.TryParseExact(file[(dot + 1)..], HomeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var home))
        {
            return false;
        }

        var tenant = name[..tenantEnd];
        return TryParse(string.Concat(FolderOf(tenant, home), file[..dot], Extension), out target) && target.TenantId == tenant;
    }

    /// <summary>Parses a full object name; false for anything else (e.g. a temporary file).</summary>
    public static bool TryParse(string name, out ArchiveObjectName parsed)
    {
        parsed = default;
        if (name is null || !name.EndsWith(Extension, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = name.Split('/');
        if (parts.Length != 6
            || !DateTimeOffset.TryParseExact(string.Join('/', parts[1..5]), HourFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var hour))
        {
            return false;
        }

        var file = parts[5].AsSpan(0, parts[5].Length - Extension.Length);
        var sequences = (2 * SequenceDigits) + 2;
        if (file.Length <= sequences || file[^sequences] != '-' || file[^(SequenceDigits + 1)] != '-'
            || !long.TryParse(file.Slice(file.Length - sequences + 1, SequenceDigits), NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !long.TryParse(file[^SequenceDigits..], NumberStyles.None, CultureInfo.InvariantCulture, out var last))
        {
            return false;
        }

        parsed = new ArchiveObjectName(parts[0], hour, file[..^sequences].ToString(), first, last);
        return true;
    }

    public override string ToString() => Name;
}
