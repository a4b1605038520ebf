using System.Globalization;

namespace Orleans.EventPipeline.Client;

/// <summary>How an <see cref="EventPipelineClient"/> reaches the gateway, batches, spools and retries.</summary>
public sealed class EventPipelineClientOptions
{
    /// <summary>The gateway's base address, e.g. <c>http://127.0.0.1:5080</c>; batches go to <c>POST {Endpoint}/v1/events</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The tenant's ingest key, sent as <c>Authorization: Bearer</c>.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Where the spool's segments and head file live; one client per directory (it is locked while open).</summary>
    public string SpoolDirectory { get; set; } = "";

    /// <summary>How the gateway frames a batch's events: JSON lines or plain text lines.</summary>
    public EventContentType ContentType { get; set; } = EventContentType.Ndjson;

    /// <summary>A batch is cut once it holds this many events.</summary>
    public int MaxBatchEvents { get; set; } = 5_000;

    /// <summary>
    /// A batch is cut before a call's events would take it past this many uncompressed bytes (a call's events
    /// always share one batch, so one large call may exceed it). At most 8 MiB: by default the gateway answers 413 to a
    /// body over 10 MiB on the wire (Pipeline:Gateway:MaxBodyBytes; 32 MiB once decompressed), and gzip may grow events
    /// that do not compress by a little; 16 MiB uncompressed lost 8,248 of 10,000 events to 413.
    /// </summary>
    public int MaxBatchBytes { get; set; } = 1024 * 1024;

    /// <summary>A batch is cut once its first event has waited this long.</summary>
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>gzip each batch (the gateway decompresses); worth it for text, which shrinks 5–10 times.</summary>
    public bool Compress { get; set; } = true;

    /// <summary>
    /// Bytes the spool directory may hold, with the batch being filled: its batches until acknowledged (and until their
    /// segment is deleted), its <c>.damaged</c> files (kept to half of it less 128 KiB, the oldest deleted at
    /// open), and 128 KiB kept for its reserve and the record of a batch split after a 413, used or not. Each file counts
    /// by its length: the file system rounds each up to its blocks; the head file (20 bytes and the sources' checkpoints)
    /// is not counted. What happens at the bound is <see cref="WhenSpoolFull"/>.
    /// </summary>
    public long MaxSpoolBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>What <see cref="EventPipelineClient.SendAsync(IReadOnlyList{ReadOnlyMemory{byte}}, SourceCheckpoint?, CancellationToken)"/> does when the spool is full.</summary>
    public SpoolFullMode WhenSpoolFull { get; set; } = SpoolFullMode.BlockProducer;

    /// <summary>First retry delay; it doubles per attempt, with jitter, up to <see cref="RetryMaxDelay"/>. A 429 or 503's <c>Retry-After</c> wins.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between two attempts of a batch (absent a <c>Retry-After</c>). Batches are retried until acknowledged.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>One attempt's deadline; the gateway answers only once the batch is durable, so allow for a slow disk.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Clock of batch cuts and retry delays.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Every problem with these options, each naming its setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Endpoint is null || !Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{nameof(Endpoint)} must be an absolute http or https address (got '{Endpoint}').");
        }

        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            errors.Add($"{nameof(ApiKey)} is required: the tenant's ingest key.");
        }

        if (string.IsNullOrWhiteSpace(SpoolDirectory))
        {
            errors.Add($"{nameof(SpoolDirectory)} is required: batches are kept there until acknowledged.");
        }

        if (!Enum.IsDefined(ContentType))
        {
            errors.Add($"{nameof(ContentType)} must be {string.Join(" or ", Enum.GetNames<EventContentType>())}.");
        }

        if (!Enum.IsDefined(WhenSpoolFull))
        {
            errors.Add($"{nameof(WhenSpoolFull)} must be {string.Join(" or ", Enum.GetNames<SpoolFullMode>())}.");
        }

        Range(errors, nameof(MaxBatchEvents), MaxBatchEvents, 1, 1_000_000);
        Range(errors, nameof(MaxBatchBytes), MaxBatchBytes, 1024, 8 * 1024 * 1024);
        // The spool keeps this much for its reserve and a split record inside the bound (Spool/DiskSpool.KeptRoomBytes).
        var kept = Spool.DiskSpool.KeptRoomBytes;
        if (MaxSpoolBytes < 2 * kept)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(MaxSpoolBytes)} must be at least {2 * kept} (got {MaxSpoolBytes}): twice the {kept} bytes the spool keeps for its reserve and a split record, so a call of half of it fits beside them and the .damaged files."));
        }

        if (MaxSpoolBytes < (2L * MaxBatchBytes) + kept)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(MaxSpoolBytes)} ({MaxSpoolBytes}) must hold at least two batches of {nameof(MaxBatchBytes)} ({MaxBatchBytes}) besides the {kept} bytes the spool keeps for its reserve and a split record: {(2L * MaxBatchBytes) + kept}, one batch being sent, one being filled."));
        }

        // The cut loop looks every quarter of it: under 1 ms that tick rounds to nothing and an idle client spins
        // (2 ticks took a core to 87%).
        if (MaxBatchDelay < TimeSpan.FromMilliseconds(1))
        {
            errors.Add($"{nameof(MaxBatchDelay)} must be at least {TimeSpan.FromMilliseconds(1)} (got {MaxBatchDelay}).");
        }

        Positive(errors, nameof(RetryBaseDelay), RetryBaseDelay);
        Positive(errors, nameof(RequestTimeout), RequestTimeout);
        if (RetryMaxDelay < RetryBaseDelay)
        {
            errors.Add($"{nameof(RetryMaxDelay)} ({RetryMaxDelay}) must be at least {nameof(RetryBaseDelay)} ({RetryBaseDelay}).");
        }

        if (TimeProvider is null)
        {
            errors.Add($"{nameof(TimeProvider)} is required.");
        }

        return errors;
    }

    private static void Range(List<string> errors, string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max} (got {value})."));
        }
    }

    private static void Positive(List<string> errors, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive (got {value}).");
        }
    }
}

/// <summary>How the gateway frames a batch: the body's Content-Type.</summary>
public enum EventContentType
{
    /// <summary><c>application/x-ndjson</c>: each event is one JSON value (a line that is not is rejected alone).</summary>
    Ndjson,

    /// <summary><c>text/plain</c>: each event is a line of text, parsed by the tenant's text parsers.</summary>
    TextLines,
}

/// <summary>What a send does when the spool holds <see cref="EventPipelineClientOptions.MaxSpoolBytes"/>.</summary>
public enum SpoolFullMode
{
    /// <summary>The send waits until acknowledged batches free room.</summary>
    BlockProducer,

    /// <summary>The send throws <see cref="SpoolFullException"/>; the caller keeps its events.</summary>
    Fail,
}
