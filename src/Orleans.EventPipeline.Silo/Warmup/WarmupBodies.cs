using System.Globalization;
using System.Text;

namespace Orleans.EventPipeline.Silo.Warmup;

/// <summary>
/// The warm-up's request bodies: the kinds of event clients send, so each parser and framing path is compiled before
/// a client needs it. NDJSON (the native API's usual body, parsed as JSON downstream) and text lines in the formats
/// the normalizer detects (RFC 5424 and 3164 syslog, CEF, plain text). Built once per warm-up.
/// </summary>
internal static class WarmupBodies
{
    public const string JsonContentType = "application/x-ndjson";
    public const string TextContentType = "text/plain; charset=utf-8";

    /// <summary>One NDJSON body and one text body of <paramref name="events"/> events each, stamped <paramref name="now"/>.</summary>
    public static (byte[] Json, byte[] Text) Create(int events, DateTimeOffset now)
    {
        var iso = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var bsd = now.UtcDateTime.ToString("MMM d HH:mm:ss", CultureInfo.InvariantCulture).PadLeft(15);
        var json = new StringBuilder();
        var text = new StringBuilder();
        for (var i = 0; i < events; i++)
        {
            json.Append(CultureInfo.InvariantCulture, $"{{\"ts\":\"{iso}\",\"host\":\"warmup-{i % 7}\",\"user\":\"user{i % 13}\",\"action\":\"login\",\"src_ip\":\"10.0.{i % 5}.{i % 250}\",\"msg\":\"the silo's start-up warm-up\"}}\n");
            text.Append((i % 4) switch
            {
                0 => string.Create(CultureInfo.InvariantCulture, $"<34>1 {iso} warmup-{i % 7} sshd {i} ID47 - Failed password for user{i % 13} from 10.0.0.{i % 250}\n"),
                1 => string.Create(CultureInfo.InvariantCulture, $"<38>{bsd} warmup-{i % 7} sshd[{i}]: Accepted publickey for user{i % 13}\n"),
                2 => string.Create(CultureInfo.InvariantCulture, $"CEF:0|EventPipeline|warmup|1.0|{100 + (i % 3)}|start-up warm-up|3|src=10.0.0.{i % 250} suser=user{i % 13}\n"),
                _ => string.Create(CultureInfo.InvariantCulture, $"start-up warm-up line {i}\n"),
            });
        }

        return (Encoding.UTF8.GetBytes(json.ToString()), Encoding.UTF8.GetBytes(text.ToString()));
    }
}
