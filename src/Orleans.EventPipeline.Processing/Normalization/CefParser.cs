using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// ArcSight CEF: <c>CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension</c>, bare or
/// behind an RFC 5424 / RFC 3164 header. Header fields escape '|' and '\'; extension values escape '=',
/// '\', and write line breaks as \n, \r; a value runs (spaces included) up to the next " key=".
/// The body is the Name; extension keys become attributes as they are; <c>rt</c> (or <c>end</c>) is the
/// event time, <c>dvchost</c> the host, else the syslog header's.
/// </summary>
public sealed class CefParser : IEventParser
{
    private const int HeaderFields = 7;

    public static CefParser Instance { get; } = new();

    private static ReadOnlySpan<byte> Prefix => "CEF:"u8;

    public bool TryParse(
        ReadOnlySpan<byte> utf8,
        in EventContext context,
        [NotNullWhen(true)] out NormalizedEvent? normalized,
        [NotNullWhen(false)] out string? failure)
    {
        normalized = null;
        var attributes = new Dictionary<string, AttributeValue>(16, StringComparer.Ordinal);
        SyslogHeader header = default;
        var cef = utf8;
        var hasHeader = false;
        string? prefix = null;
        if (!cef.StartsWith(Prefix))
        {
            if (Syslog5424Parser.Detect(cef))
            {
                hasHeader = Syslog5424Parser.TryParseHeader(cef, attributes, out header, out cef, out failure);
            }
            else if (Syslog3164Parser.Detect(cef))
            {
                hasHeader = Syslog3164Parser.TryParseHeader(cef, context.IngestTime, out header, out cef, out failure);
            }
            else
            {
                failure = "CEF: the event neither starts with \"CEF:\" nor has a syslog header followed by \"CEF:\".";
            }

            if (!hasHeader)
            {
                failure ??= "CEF: the syslog header ahead of \"CEF:\" is malformed.";
                return false;
            }

            var start = cef.IndexOf(Prefix);
            if (start < 0)
            {
                failure = "CEF: the syslog message does not contain \"CEF:\".";
                return false;
            }

            // Text ahead of "CEF:" (a message that quotes a CEF line, say) is kept, not dropped with the header.
            var ahead = cef[..start].Trim((byte)' ');
            prefix = ahead.IsEmpty ? null : EventFactory.Text(ahead);
            cef = cef[start..];
        }

        return TryParseCef(cef, context, attributes, hasHeader ? header : null, prefix, out normalized, out failure);
    }

    /// <summary>Does the line start with "CEF:", or carry it right after a syslog header?</summary>
    internal static bool Detect(ReadOnlySpan<byte> line) =>
        line.StartsWith(Prefix) || (line.Length > 0 && line[0] == '<' && line.IndexOf(Prefix) > 0);

    private static bool TryParseCef(
        ReadOnlySpan<byte> cef,
        in EventContext context,
        Dictionary<string, AttributeValue> attributes,
        SyslogHeader? header,
        string? prefix,
        [NotNullWhen(true)] out NormalizedEvent? normalized,
        [NotNullWhen(false)] out string? failure)
    {
        normalized = null;
        var rest = cef[Prefix.Length..];
        Span<Range> fields = stackalloc Range[HeaderFields];
        var offset = 0;
        for (var i = 0; i < HeaderFields; i++)
        {
            var pipe = Escapes.IndexOfUnescaped(rest[offset..], (byte)'|');
            if (pipe < 0)
            {
                failure = $"CEF: the header has {i} of its 7 '|'-separated fields (Version|Vendor|Product|Version|SignatureID|Name|Severity|); escape a '|' inside a field as \\|.";
                return false;
            }

            fields[i] = new Range(offset, offset + pipe);
            offset += pipe + 1;
        }

        var version = rest[fields[0]];
        if (version.IsEmpty || !Timestamps.TryDigits(version, out _))
        {
            failure = "CEF: the version after \"CEF:\" must be a number, e.g. \"CEF:0|\".";
            return false;
        }

        ReadOnlySpan<byte> headerEscapes = "|\\"u8;
        var name = Escapes.Decode(rest[fields[5]], headerEscapes);
        var severity = rest[fields[6]];
        var product = Escapes.Decode(rest[fields[2]], headerEscapes);

        // A key given twice keeps both values, as a JSON name does; the headers' fields are added last, so an
        // extension key named like one of them (cef.version=9, syslog.facility=x) is kept as {name}#1 and cannot
        // take the header's name.
        var names = new RepeatedNames();
        DateTimeOffset? timestamp = null;
        string? host = null;
        if (!TryParseExtension(rest[offset..], attributes, ref names, ref timestamp, ref host, out failure))
        {
            return false;
        }

        names.Set(attributes, AttributeNames.CefVersion, EventFactory.Text(version));
        names.Set(attributes, AttributeNames.CefDeviceVendor, Escapes.Decode(rest[fields[1]], headerEscapes));
        names.Set(attributes, AttributeNames.CefDeviceProduct, product);
        names.Set(attributes, AttributeNames.CefDeviceVersion, Escapes.Decode(rest[fields[3]], headerEscapes));
        names.Set(attributes, AttributeNames.CefSignatureId, Escapes.Decode(rest[fields[4]], headerEscapes));
        names.Set(attributes, AttributeNames.CefSeverity, EventFactory.Text(severity));
        if (header is { } syslog)
        {
            syslog.AddTo(attributes, ref names);
            // rt/end and dvchost win the event's time and host; the header's are kept beside them, not dropped.
            if (timestamp is not null && syslog.Timestamp is { } headerTime)
            {
                names.Set(attributes, AttributeNames.SyslogTimestamp, headerTime.ToString("O", CultureInfo.InvariantCulture));
            }

            if (host is not null && syslog.Host is { } headerHost)
            {
                names.Set(attributes, AttributeNames.SyslogHost, headerHost);
            }

            timestamp ??= syslog.Timestamp;
            host ??= syslog.Host;
        }

        if (prefix is not null)
        {
            names.Set(attributes, AttributeNames.SyslogPrefix, prefix);
        }

        var app = header?.App ?? product;
        normalized = EventFactory.Create(context, timestamp, Severity.FromCef(severity), EventFactory.Text(severity), name,
            attributes, EventFactory.Resource(host, app), SourceFormat.Cef);
        return true;
    }

    private static bool TryParseExtension(
        ReadOnlySpan<byte> extension,
        Dictionary<string, AttributeValue> attributes,
        ref RepeatedNames names,
        ref DateTimeOffset? timestamp,
        ref string? host,
        [NotNullWhen(false)] out string? failure)
    {
        ReadOnlySpan<byte> valueEscapes = "=\\|"u8;
        extension = extension.TrimStart((byte)' ');
        while (!extension.IsEmpty)
        {
            var equals = extension.IndexOf((byte)'=');
            if (equals <= 0 || extension[..equals].IndexOf((byte)' ') >= 0)
            {
                failure = $"CEF: the extension has \"{EventFactory.Text(extension[..Math.Min(extension.Length, 40)])}\" where a key=value pair belongs; escape '=' in values as \\=.";
                return false;
            }

            var key = extension[..equals];
            var value = extension[(equals + 1)..];
            var end = ValueLength(value);
            var raw = value[..end].TrimEnd((byte)' ');
            extension = value[end..].TrimStart((byte)' ');

            var decoded = Escapes.Decode(raw, valueEscapes, newlines: true);
            if (key.SequenceEqual("rt"u8) || (key.SequenceEqual("end"u8) && timestamp is null))
            {
                if (Timestamps.TryParseAny(raw, out var time))
                {
                    timestamp = time;
                }
            }
            else if (key.SequenceEqual("dvchost"u8))
            {
                host = decoded;
            }

            // Names the headers use (cef.*, syslog.*, sd.*) are never the extension's: a key under one is always numbered,
            // so the bare name holds the header's value or nothing, whether or not the header has that field.
            if (key.StartsWith("cef."u8) || key.StartsWith("syslog."u8) || key.StartsWith("sd."u8))
            {
                names.AddNumbered(attributes, EventFactory.Text(key), decoded);
            }
            else
            {
                names.Set(attributes, EventFactory.Text(key), decoded);
            }
        }

        failure = null;
        return true;
    }

    // A value ends where a space is followed by the next "key=" (key: no spaces, no escapes).
    private static int ValueLength(ReadOnlySpan<byte> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\')
            {
                i++;
            }
            else if (value[i] == ' ')
            {
                var next = value[(i + 1)..];
                var stop = next.IndexOfAny((byte)' ', (byte)'=', (byte)'\\');
                if (stop > 0 && next[stop] == '=')
                {
                    return i;
                }
            }
        }

        return value.Length;
    }
}
