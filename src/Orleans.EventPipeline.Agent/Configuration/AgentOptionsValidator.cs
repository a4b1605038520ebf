using System.Net;
using Orleans.EventPipeline.Client;

namespace Orleans.EventPipeline.Agent.Configuration;

/// <summary>Every problem with the settings, each naming its setting, checked once at start.</summary>
internal static class AgentOptionsValidator
{
    /// <summary>
    /// Whether two file sources' paths can match one file: the same folder, and one's pattern matches the other taken as
    /// a name (<c>*.log</c> and <c>app.log</c>, <c>a*.log</c>, or the same pattern twice). Two globs can still share a file
    /// this cannot see (<c>a*</c> and <c>*b</c>), as can a source and another's rotations; AGENT.md says to keep them apart.
    /// </summary>
    private static bool Overlap(string first, string second) =>
        // Full paths: a configuration file's /a/b/../b/x.log is /a/b/x.log.
        string.Equals(Path.GetFullPath(Path.GetDirectoryName(first)!), Path.GetFullPath(Path.GetDirectoryName(second)!), StringComparison.Ordinal)
        && (System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(Path.GetFileName(first), Path.GetFileName(second), ignoreCase: false)
            || System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(Path.GetFileName(second), Path.GetFileName(first), ignoreCase: false));

    // RFC 5424 6.1's 480 octets fit with room; 16 MiB is half the gateway's 32 MiB decompressed batch limit.
    private const int MinLineBytes = 1024;
    private const int MaxLineBytes = 16 * 1024 * 1024;

    public static List<string> Validate(AgentOptions options)
    {
        // The client's own rules for what it shares with the agent, reported under the agent's names.
        var errors = new List<string>(ClientOptions(options, EventFormat.Text).Validate());
        if (options.Files.Count == 0 && options.Stdin is null && options.Syslog is null && options.HttpPoll.Count == 0)
        {
            errors.Add("No source: give at least one of Files (--file), Stdin (--stdin), Syslog (--syslog-udp, --syslog-tcp) or HttpPoll (--http-poll).");
        }

        if (options.StatusInterval <= TimeSpan.Zero)
        {
            errors.Add($"StatusInterval must be positive (got {options.StatusInterval}).");
        }

        if (options.DrainTimeout < TimeSpan.Zero)
        {
            errors.Add($"DrainTimeout must not be negative (got {options.DrainTimeout}).");
        }

        if (options.MaxLineBytes is < MinLineBytes or > MaxLineBytes)
        {
            errors.Add(FormattableString.Invariant($"MaxLineBytes must be between {MinLineBytes} and {MaxLineBytes} (got {options.MaxLineBytes})."));
        }

        // One send holds at most half the spool (the client's MaxCallBytes), and a line at the limit with its break must
        // fit one send, or a file or stdin line that long could never be spooled. Larger reads are split into sends.
        if ((options.Files.Count > 0 || options.Stdin is not null) && options.MaxSpoolBytes / 2 < options.MaxLineBytes + 1L)
        {
            errors.Add(FormattableString.Invariant($"MaxSpoolBytes ({options.MaxSpoolBytes}) must be at least twice MaxLineBytes plus its line break, 2 x ({options.MaxLineBytes} + 1) = {2 * (options.MaxLineBytes + 1L)}: a line at MaxLineBytes must fit in half the spool. Raise MaxSpoolBytes or lower MaxLineBytes."));
        }

        for (var i = 0; i < options.Files.Count; i++)
        {
            var file = options.Files[i];
            if (string.IsNullOrWhiteSpace(file.Path) || !Path.IsPathFullyQualified(file.Path))
            {
                errors.Add($"Files:{i}:Path must be an absolute path (got '{file.Path}').");
            }
            else if (Path.GetDirectoryName(file.Path) is { } folder && folder.IndexOfAny(['*', '?']) >= 0)
            {
                errors.Add($"Files:{i}:Path may hold * and ? in its file name only (got '{file.Path}').");
            }

            if (file.PollInterval <= TimeSpan.Zero)
            {
                errors.Add($"Files:{i}:PollInterval must be positive (got {file.PollInterval}).");
            }

            for (var j = 0; j < i && Path.IsPathFullyQualified(file.Path); j++)
            {
                if (Path.IsPathFullyQualified(options.Files[j].Path) && Overlap(options.Files[j].Path, file.Path))
                {
                    // Both would tail the file, each from its own position: its every line sent twice (helper-106).
                    errors.Add($"Files:{i}:Path '{file.Path}' matches files Files:{j}:Path '{options.Files[j].Path}' matches too: give each file one source.");
                }
            }
        }

        if (options.Syslog is { } syslog)
        {
            if (syslog.Udp.Length == 0 && syslog.Tcp.Length == 0)
            {
                errors.Add("Syslog needs Udp or Tcp (an address:port to listen on).");
            }

            foreach (var (name, value) in new[] { ("Syslog:Udp", syslog.Udp), ("Syslog:Tcp", syslog.Tcp) })
            {
                if (value.Length > 0 && !IPEndPoint.TryParse(value, out _))
                {
                    errors.Add($"{name} must be address:port, e.g. 0.0.0.0:514 (got '{value}').");
                }
            }

            if (syslog.MaxMessageBytes is < 480 or > 16 * 1024 * 1024)
            {
                // RFC 5424 6.1: receivers must take messages of 480 octets.
                errors.Add($"Syslog:MaxMessageBytes must be between 480 and 16777216 (got {syslog.MaxMessageBytes}).");
            }
        }

        for (var i = 0; i < options.HttpPoll.Count; i++)
        {
            var poll = options.HttpPoll[i];
            if (poll.Url is null || !poll.Url.IsAbsoluteUri || (poll.Url.Scheme != Uri.UriSchemeHttp && poll.Url.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"HttpPoll:{i}:Url must be an absolute http or https address (got '{poll.Url}').");
            }

            if (poll.Interval <= TimeSpan.Zero)
            {
                errors.Add($"HttpPoll:{i}:Interval must be positive (got {poll.Interval}).");
            }

            if (string.IsNullOrWhiteSpace(poll.ItemsField) || string.IsNullOrWhiteSpace(poll.CursorField) || string.IsNullOrWhiteSpace(poll.CursorParameter))
            {
                errors.Add($"HttpPoll:{i}: ItemsField, CursorField and CursorParameter must not be empty.");
            }
        }

        return errors;
    }

    /// <summary>The client options of the spool for one event format, under <see cref="AgentOptions.SpoolDirectory"/>.</summary>
    public static EventPipelineClientOptions ClientOptions(AgentOptions options, EventFormat format) => new()
    {
        Endpoint = options.Endpoint,
        ApiKey = options.ApiKey,
        SpoolDirectory = options.SpoolDirectory.Length == 0 ? "" : Path.Combine(options.SpoolDirectory, format == EventFormat.Json ? "json" : "text"),
        ContentType = format == EventFormat.Json ? EventContentType.Ndjson : EventContentType.TextLines,
        MaxSpoolBytes = options.MaxSpoolBytes,
        WhenSpoolFull = options.WhenSpoolFull,
        MaxBatchEvents = options.MaxBatchEvents,
        MaxBatchBytes = options.MaxBatchBytes,
        MaxBatchDelay = options.MaxBatchDelay,
    };
}
