using System.Globalization;
using System.Text;

namespace Orleans.EventPipeline.Silo.Warmup;

/// <summary>
/// The warm-up's request bodies: the kinds of body clients send, so each framing and parser path is compiled before a
/// client needs it. NDJSON (the native API's usual body, parsed as JSON downstream) and text lines in each format the
/// normalizer detects (RFC 5424 and RFC 3164 syslog, CEF, plain text). What they say is plainly the pipeline's own
/// start-up, nothing a detection could take for a user's activity. Built once per warm-up.
/// </summary>
internal static class WarmupBodies
{
    public const string JsonContentType = "application/x-ndjson";
    public const string TextContentType = "text/plain; charset=utf-8";

    /// <summary>
    /// An NDJSON body of at most <paramref name="events"/> events of <paramref name="eventBytes"/> bytes each (at least
    /// 64, the smallest <c>MaxEventBytes</c> a gateway takes), as many as fit <paramref name="maxBodyBytes"/> with their
    /// line ends: the size of body a batching shipper sends, whose bytes the small bodies do not bring. No timestamp, so
    /// that the smallest fit; the pipeline stamps them at ingest.
    /// </summary>
    public static byte[] CreateLarge(int events, int eventBytes, long maxBodyBytes)
    {
        var json = new Body(eventBytes, maxBodyBytes);
        for (var i = 0; i < events && !json.Full; i++)
        {
            var head = string.Create(CultureInfo.InvariantCulture, $"{{\"source\":\"eventpipeline-warmup\",\"seq\":{i},\"msg\":\"");
            // Padded to the size asked for, closing quote and brace included.
            json.Add(head + new string('.', Math.Max(0, eventBytes - head.Length - 2)) + "\"}");
        }

        return json.ToArray();
    }

    /// <summary>
    /// One NDJSON body and one text body of <paramref name="events"/> events each, stamped <paramref name="now"/>, sized to
    /// the gateway's limits: without the lines over <paramref name="maxEventBytes"/> (<c>MaxEventBytes</c>), which it would
    /// refuse one by one into the tenant's dead letters at every start, and ending before a line that would take the body
    /// over <paramref name="maxBodyBytes"/> (<c>MaxBodyBytes</c>), which it would refuse whole. With 10 events the JSON lines
    /// are 109 bytes and the text lines 35-103, so under limits that low a body holds fewer events, the JSON one perhaps
    /// none (no bytes, not to be sent); the plain text lines fit the smallest limits a gateway takes (64 and 1,024).
    /// </summary>
    public static (byte[] Json, byte[] Text) Create(int events, DateTimeOffset now, int maxEventBytes, long maxBodyBytes)
    {
        var utc = now.UtcDateTime;
        var iso = utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        // RFC 3164: "Mmm dd hh:mm:ss", the day padded with a space to two characters ("Dec  5").
        var bsd = string.Create(CultureInfo.InvariantCulture, $"{utc.ToString("MMM", CultureInfo.InvariantCulture)} {utc.Day,2} {utc:HH:mm:ss}");
        var json = new Body(maxEventBytes, maxBodyBytes);
        var text = new Body(maxEventBytes, maxBodyBytes);
        for (var i = 0; i < events; i++)
        {
            json.Add(string.Create(CultureInfo.InvariantCulture, $"{{\"ts\":\"{iso}\",\"source\":\"eventpipeline-warmup\",\"seq\":{i},\"msg\":\"the silo's start-up warm-up\"}}"));
            text.Add((i % 4) switch
            {
                0 => string.Create(CultureInfo.InvariantCulture, $"<14>1 {iso} eventpipeline-warmup silo - warmup - the silo's start-up warm-up, line {i}"),
                1 => string.Create(CultureInfo.InvariantCulture, $"<14>{bsd} eventpipeline-warmup silo: the silo's start-up warm-up, line {i}"),
                2 => string.Create(CultureInfo.InvariantCulture, $"CEF:0|EventPipeline|warmup|1.0|0|start-up warm-up|0|msg=the silo's start-up warm-up, line {i}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"the silo's start-up warm-up, line {i}"),
            });
        }

        return (json.ToArray(), text.ToArray());
    }

    /// <summary>Lines of a body within the gateway's limits.</summary>
    private sealed class Body(int maxEventBytes, long maxBodyBytes)
    {
        private readonly StringBuilder _lines = new();
        private long _bytes;
        private bool _full;

        /// <summary>A line did not fit: no later one is added.</summary>
        public bool Full => _full;

        public void Add(string line)
        {
            var bytes = Encoding.UTF8.GetByteCount(line);
            if (bytes > maxEventBytes)
            {
                return;
            }

            // In order: once a line does not fit, no later one is added.
            _full |= _bytes + bytes + 1 > maxBodyBytes;
            if (!_full)
            {
                _lines.Append(line).Append('\n');
                _bytes += bytes + 1;
            }
        }

        public byte[] ToArray() => Encoding.UTF8.GetBytes(_lines.ToString());
    }
}
