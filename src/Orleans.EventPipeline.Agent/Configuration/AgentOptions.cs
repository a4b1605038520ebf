using Orleans.EventPipeline.Client;

namespace Orleans.EventPipeline.Agent.Configuration;

/// <summary>The agent's settings: the JSON configuration file, with command-line flags over it (docs/AGENT.md).</summary>
internal sealed class AgentOptions
{
    public Uri? Endpoint { get; set; }

    public string ApiKey { get; set; } = "";

    /// <summary>The spool's directory; the agent keeps one spool per event format under it (<c>text/</c>, <c>json/</c>).</summary>
    public string SpoolDirectory { get; set; } = "";

    public long MaxSpoolBytes { get; set; } = 1024L * 1024 * 1024;

    public SpoolFullMode WhenSpoolFull { get; set; } = SpoolFullMode.BlockProducer;

    public int MaxBatchEvents { get; set; } = 5_000;

    public int MaxBatchBytes { get; set; } = 1024 * 1024;

    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest line of a file or stdin taken as one event: a longer one is taken cut to this many bytes, and the
    /// rest of it, up to its line break, is skipped and logged. (The gateway's MaxEventBytes, 256 KiB by default,
    /// refuses a longer event alone into the tenant's dead letters, where its bytes stay.)
    /// </summary>
    public int MaxLineBytes { get; set; } = 1024 * 1024;

    /// <summary>How often the status line is written; off with <see cref="Quiet"/>.</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(1);

    public bool Quiet { get; set; }

    /// <summary>How long a stop waits for spooled batches to be acknowledged before leaving them for the next start.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public List<FileSourceOptions> Files { get; set; } = [];

    public StdinSourceOptions? Stdin { get; set; }

    public SyslogSourceOptions? Syslog { get; set; }

    public List<HttpPollSourceOptions> HttpPoll { get; set; } = [];
}

/// <summary>How the gateway frames a source's events: text lines (the tenant's text parsers: syslog, CEF, plain) or JSON lines.</summary>
internal enum EventFormat
{
    Text,
    Json,
}

internal sealed class FileSourceOptions
{
    /// <summary>A path whose file name may hold <c>*</c> and <c>?</c>, e.g. <c>/var/log/app/*.log</c>.</summary>
    public string Path { get; set; } = "";

    public EventFormat Format { get; set; } = EventFormat.Text;

    /// <summary>Where a file found with no saved position is read from; a file created while the agent runs is always read from its start.</summary>
    public FileStart StartAt { get; set; } = FileStart.Beginning;

    /// <summary>How often files are looked at for new lines, new files and rotation.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}

internal enum FileStart
{
    Beginning,
    End,
}

internal sealed class StdinSourceOptions
{
    public EventFormat Format { get; set; } = EventFormat.Text;
}

internal sealed class SyslogSourceOptions
{
    /// <summary><c>address:port</c> to receive datagrams on, e.g. <c>0.0.0.0:514</c>; empty: no UDP.</summary>
    public string Udp { get; set; } = "";

    /// <summary><c>address:port</c> to accept connections on (octet counting or newline framing, per message); empty: no TCP.</summary>
    public string Tcp { get; set; } = "";

    /// <summary>Longest message taken: a longer one (either framing) is taken cut to this many bytes, the rest of its frame skipped and logged.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;
}

internal sealed class HttpPollSourceOptions
{
    public Uri? Url { get; set; }

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Query parameter the saved cursor is sent in; left out of the first request.</summary>
    public string CursorParameter { get; set; } = "cursor";

    /// <summary>Field of the answer holding the array of events.</summary>
    public string ItemsField { get; set; } = "items";

    /// <summary>Field of the answer holding the cursor of the next request.</summary>
    public string CursorField { get; set; } = "nextCursor";

    /// <summary>Sent as <c>Authorization</c> when set, e.g. <c>Bearer abc</c>.</summary>
    public string Authorization { get; set; } = "";
}
