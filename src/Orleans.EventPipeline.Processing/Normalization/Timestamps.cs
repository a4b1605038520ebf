using System.Buffers.Text;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>Timestamp formats found in logs, parsed from UTF-8 without allocating.</summary>
public static class Timestamps
{
    // Unix times are told apart by magnitude: 1e11 seconds is the year 5138, so anything larger is a
    // finer unit; 1e14 ms is the year 5138 again, and so on for µs and ns.
    private const double SecondsLimit = 1e11;
    private const double MillisecondsLimit = 1e14;
    private const double MicrosecondsLimit = 1e17;

    // The widest UTC offset in use (Kiribati, UTC+14) and the widest DateTimeOffset holds.
    private static readonly TimeSpan MaxOffset = TimeSpan.FromHours(14);

    private static ReadOnlySpan<byte> MonthNames => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;

    /// <summary>
    /// RFC 3339 / ISO 8601: <c>yyyy-MM-ddTHH:mm:ss[.fraction](Z|±HH:mm|±HHmm)</c>; a space may stand
    /// for the T, and a missing offset means UTC. Fractions beyond 100 ns are truncated. False, never an
    /// exception, for an offset beyond ±14:00 or a time outside years 1 to 9999 once the offset is applied.
    /// </summary>
    public static bool TryParseRfc3339(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length < 19
            || !TryDigits(text[..4], out var year) || text[4] != '-'
            || !TryDigits(text.Slice(5, 2), out var month) || text[7] != '-'
            || !TryDigits(text.Slice(8, 2), out var day) || (text[10] is not (byte)'T' and not (byte)'t' and not (byte)' ')
            || !TryDigits(text.Slice(11, 2), out var hour) || text[13] != ':'
            || !TryDigits(text.Slice(14, 2), out var minute) || text[16] != ':'
            || !TryDigits(text.Slice(17, 2), out var second))
        {
            return false;
        }

        var rest = text[19..];
        long fractionTicks = 0;
        if (!rest.IsEmpty && rest[0] is (byte)'.' or (byte)',')
        {
            var digits = 1;
            var scale = TimeSpan.TicksPerSecond;
            while (digits < rest.Length && IsDigit(rest[digits]))
            {
                if (scale > 1)
                {
                    scale /= 10;
                    fractionTicks += (rest[digits] - '0') * scale;
                }

                digits++;
            }

            if (digits == 1)
            {
                return false;
            }

            rest = rest[digits..];
        }

        var offset = TimeSpan.Zero;
        if (!rest.IsEmpty)
        {
            if (rest.Length == 1 && rest[0] is (byte)'Z' or (byte)'z')
            {
                rest = [];
            }
            else if (rest[0] is (byte)'+' or (byte)'-' && TryOffset(rest[1..], out var magnitude))
            {
                offset = rest[0] == '-' ? -magnitude : magnitude;
                rest = [];
            }
        }

        // A leap second (:60) is kept as the last tick of :59; ordering only needs monotonic times.
        var leap = second == 60;
        if (!rest.IsEmpty || !ValidDate(year, month, day) || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        var ticks = new DateTime(year, month, day, hour, minute, leap ? 59 : second, DateTimeKind.Unspecified).Ticks
            + (leap ? TimeSpan.TicksPerSecond - 1 : fractionTicks);

        // DateTimeOffset holds offsets up to ±14:00 and UTC times from year 1 to 9999: "+14:30", or
        // "0001-01-01T00:00:00+01:00" (UTC is in year 0), is not a time it can represent.
        var utcTicks = ticks - offset.Ticks;
        if (offset.Duration() > MaxOffset || utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        value = new DateTimeOffset(ticks, offset);
        return true;
    }

    /// <summary>Unix time as a number of seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude.</summary>
    public static bool TryFromUnix(double number, out DateTimeOffset value)
    {
        value = default;
        var magnitude = Math.Abs(number);
        var milliseconds = magnitude < SecondsLimit ? number * 1e3
            : magnitude < MillisecondsLimit ? number
            : magnitude < MicrosecondsLimit ? number / 1e3
            : number / 1e6;
        if (double.IsNaN(milliseconds) || milliseconds < -62_135_596_800_000d || milliseconds > 253_402_300_799_999d)
        {
            return false;
        }

        value = DateTimeOffset.UnixEpoch.AddTicks((long)(milliseconds * TimeSpan.TicksPerMillisecond));
        return true;
    }

    /// <summary>Unix time written as digits (optionally with a fraction), e.g. <c>1700000000</c> or <c>1700000000123</c>.</summary>
    public static bool TryParseUnix(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        return !text.IsEmpty && IsDigit(text[0])
            && Utf8Parser.TryParse(text, out double number, out var consumed) && consumed == text.Length
            && TryFromUnix(number, out value);
    }

    /// <summary>RFC 3339 text, else unix digits.</summary>
    public static bool TryParseAny(ReadOnlySpan<byte> text, out DateTimeOffset value) =>
        TryParseRfc3339(text, out value) || TryParseUnix(text, out value);

    /// <summary>
    /// The RFC 3164 timestamp <c>Mmm dd hh:mm:ss</c> (day space-padded) of exactly 15 bytes. It has no
    /// year or zone: the time is taken as UTC in the ingest time's year, or the year before when that
    /// would put it more than a day after the ingest time (a December line ingested in January).
    /// </summary>
    public static bool TryParseBsd(ReadOnlySpan<byte> text, DateTimeOffset ingestTime, out DateTimeOffset value)
    {
        value = default;
        if (text.Length != 15 || text[3] != ' ' || text[6] != ' ' || text[9] != ':' || text[12] != ':')
        {
            return false;
        }

        var month = MonthNames.IndexOf(text[..3]);
        var dayText = text[4] == ' ' ? text.Slice(5, 1) : text.Slice(4, 2);
        if (month < 0 || month % 3 != 0
            || !TryDigits(dayText, out var day)
            || !TryDigits(text.Slice(7, 2), out var hour) || hour > 23
            || !TryDigits(text.Slice(10, 2), out var minute) || minute > 59
            || !TryDigits(text.Slice(13, 2), out var second) || second > 59)
        {
            return false;
        }

        month = (month / 3) + 1;
        var ingest = ingestTime.UtcDateTime;
        for (var year = ingest.Year; year >= ingest.Year - 1; year--)
        {
            // Feb 29 exists only in leap years: a line from the year before may be the one that fits.
            if (!ValidDate(year, month, day))
            {
                continue;
            }

            var candidate = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
            if (candidate <= ingestTime.AddDays(1) || year < ingest.Year)
            {
                value = candidate;
                return true;
            }
        }

        return false;
    }

    internal static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    internal static bool TryDigits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var b in text)
        {
            if (!IsDigit(b))
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    private static bool TryOffset(ReadOnlySpan<byte> text, out TimeSpan offset)
    {
        offset = default;
        int hours, minutes;
        if (text.Length == 5 && text[2] == ':')
        {
            if (!TryDigits(text[..2], out hours) || !TryDigits(text[3..], out minutes)) { return false; }
        }
        else if (text.Length == 4)
        {
            if (!TryDigits(text[..2], out hours) || !TryDigits(text[2..], out minutes)) { return false; }
        }
        else
        {
            return false;
        }

        if (minutes > 59)
        {
            return false;
        }

        offset = new TimeSpan(hours, minutes, 0);
        return true;
    }

    private static bool ValidDate(int year, int month, int day) =>
        year is >= 1 and <= 9999 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
}
