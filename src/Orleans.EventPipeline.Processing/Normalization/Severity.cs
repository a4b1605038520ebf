using System.Text;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// Maps source severities onto OpenTelemetry SeverityNumber: TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16,
/// ERROR 17-20, FATAL 21-24 (the first of each range is the plain level).
/// </summary>
public static class Severity
{
    public const int Unspecified = 0;
    public const int Trace = 1;
    public const int Debug = 5;
    public const int Info = 9;
    public const int Info2 = 10;
    public const int Warn = 13;
    public const int Error = 17;
    public const int Fatal = 21;
    public const int Fatal3 = 23;
    public const int Fatal4 = 24;

    // Syslog severities 0-7 (RFC 5424 table 2) in order: emergency is the worst FATAL, notice sits
    // just above informational.
    private static readonly int[] SyslogNumbers = [Fatal4, Fatal3, Fatal, Error, Warn, Info2, Info, Debug];
    private static readonly string[] SyslogNames = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    /// <summary>The OpenTelemetry number and the keyword of a syslog severity 0-7.</summary>
    public static (int Number, string Text) FromSyslog(int severity) => (SyslogNumbers[severity], SyslogNames[severity]);

    /// <summary>
    /// CEF severity: 0-3 Low → INFO, 4-6 Medium → WARN, 7-8 High → ERROR, 9-10 Very-High → FATAL;
    /// the words are accepted too. Unknown or out of range → <see cref="Unspecified"/>.
    /// </summary>
    public static int FromCef(ReadOnlySpan<byte> severity)
    {
        if (severity.Length is 1 or 2 && int.TryParse(severity, System.Globalization.NumberStyles.None, null, out var level))
        {
            return level switch
            {
                <= 3 => Info,
                <= 6 => Warn,
                <= 8 => Error,
                <= 10 => Fatal,
                _ => Unspecified,
            };
        }

        return Ascii.EqualsIgnoreCase(severity, "low"u8) ? Info
            : Ascii.EqualsIgnoreCase(severity, "medium"u8) ? Warn
            : Ascii.EqualsIgnoreCase(severity, "high"u8) ? Error
            : Ascii.EqualsIgnoreCase(severity, "very-high"u8) || Ascii.EqualsIgnoreCase(severity, "very high"u8) ? Fatal
            : Unspecified;
    }

    /// <summary>
    /// A level name as logging libraries write it (trace, debug, info, notice, warn, error, critical,
    /// fatal, and the syslog keywords), case-insensitive; or a number 1-24 taken as is.
    /// </summary>
    public static int FromText(ReadOnlySpan<byte> level)
    {
        if (level.Length is 1 or 2 && int.TryParse(level, System.Globalization.NumberStyles.None, null, out var number))
        {
            return number is >= 1 and <= 24 ? number : Unspecified;
        }

        Span<byte> lower = stackalloc byte[16];
        if (level.Length > lower.Length || Ascii.ToLower(level, lower, out var written) != System.Buffers.OperationStatus.Done)
        {
            return Unspecified;
        }

        return lower[..written] switch
        {
            var s when s.SequenceEqual("trace"u8) || s.SequenceEqual("verbose"u8) => Trace,
            var s when s.SequenceEqual("debug"u8) || s.SequenceEqual("dbg"u8) => Debug,
            var s when s.SequenceEqual("info"u8) || s.SequenceEqual("information"u8) || s.SequenceEqual("informational"u8) => Info,
            var s when s.SequenceEqual("notice"u8) => Info2,
            var s when s.SequenceEqual("warn"u8) || s.SequenceEqual("warning"u8) => Warn,
            var s when s.SequenceEqual("error"u8) || s.SequenceEqual("err"u8) => Error,
            var s when s.SequenceEqual("crit"u8) || s.SequenceEqual("critical"u8) || s.SequenceEqual("fatal"u8) => Fatal,
            var s when s.SequenceEqual("alert"u8) => Fatal3,
            var s when s.SequenceEqual("emerg"u8) || s.SequenceEqual("emergency"u8) || s.SequenceEqual("panic"u8) => Fatal4,
            _ => Unspecified,
        };
    }
}
