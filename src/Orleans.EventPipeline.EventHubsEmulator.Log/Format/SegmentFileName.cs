using System.Globalization;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Format;

/// <summary>
/// Segment files are named "{base sequence number:D20}-{base offset:D20}.log" so that a directory
/// listing sorts them in log order and tells each segment's first record without opening it.
/// The sealed segment's sparse index sits next to it with the ".idx" extension.
/// </summary>
internal static class SegmentFileName
{
    public const string SegmentExtension = ".log";

    public const string IndexExtension = ".idx";

    private const int DigitCount = 20;

    public static string Format(long baseSequenceNumber, long baseOffset) =>
        string.Create(CultureInfo.InvariantCulture, $"{baseSequenceNumber:D20}-{baseOffset:D20}{SegmentExtension}");

    public static string IndexPathFor(string segmentPath) => Path.ChangeExtension(segmentPath, IndexExtension);

    public static bool TryParse(string fileName, out long baseSequenceNumber, out long baseOffset)
    {
        baseSequenceNumber = 0;
        baseOffset = 0;
        var name = fileName.AsSpan();
        if (name.Length != (2 * DigitCount) + 1 + SegmentExtension.Length
            || !name.EndsWith(SegmentExtension, StringComparison.Ordinal)
            || name[DigitCount] != '-')
        {
            return false;
        }

        return long.TryParse(name[..DigitCount], NumberStyles.None, CultureInfo.InvariantCulture, out baseSequenceNumber)
            && long.TryParse(name.Slice(DigitCount + 1, DigitCount), NumberStyles.None, CultureInfo.InvariantCulture, out baseOffset);
    }
}
