using System.Buffers.Binary;
using Orleans.EventPipeline.Silo.Gateway.Body;
using Orleans.EventPipeline.Silo.Gateway.Memory;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Silo.Gateway.Framing;

/// <summary>
/// A request's events after framing: the accepted ones written once as length-prefixed frames
/// (<see cref="EventFrames"/>, the stream's body format), the rejected ones with reason and raw bytes.
/// An event over the size limit is rejected alone, like a malformed one; its dead letter keeps only its
/// first <see cref="OversizeKeptBytes"/> bytes and records its size.
/// </summary>
/// <param name="maxBuiltBytes">
/// For a front that builds each event (a shipper's envelope), the most bytes the request may build: the events kept
/// with their frame prefixes, the envelopes rejected for their stored size, and what else the front counts
/// (<see cref="Build"/>). The shipper fronts pass <see cref="GatewayOptions.MaxDecompressedBytes"/>, which the 413
/// names. Past it the request is refused whole, as an envelope repeats what the protocol shares between events (an
/// OTLP resource, HEC's query metadata): a 240 KB OTLP request built 289 MB. The frame buffer never grows past it
/// either. A body's own events (<see cref="EventFramer"/>) are slices of it and need no bound.
/// </param>
/// <param name="maxRejectedBytes">
/// The most the rejected events may hold, each its kept bytes and its reason (<see cref="RejectedBytes"/>); the fronts
/// pass <see cref="GatewayOptions.MaxDecompressedBytes"/>, which the 413 names. A rejected event holds far more than it
/// took in the body: a 3.9 KB gzip body of 2,000,000 lines "x" was answered 200 after 49 s with 263 MB of reasons, and
/// grew the silo from 245 MB to 1.5 GB; 32 MiB of such lines (about 30 KB gzipped) would take 10 GB.
/// </param>
public sealed class FramedEvents(EventKind kind, int bodyLength, int maxEventBytes, RequestMemoryLease? lease = null, long maxBuiltBytes = long.MaxValue, long maxRejectedBytes = long.MaxValue) : IDisposable
{
    /// <summary>
    /// How much of an oversize event its dead letter keeps: 4 KiB shows what the event was, and the
    /// letter (base64, 4/3 of that) stays far below the 1 MB Event Hubs message whatever the limit.
    /// </summary>
    public const int OversizeKeptBytes = 4 * 1024;

    private readonly PooledBuffer _frames = new(
        (int)Math.Min(CapacityFor(bodyLength), maxBuiltBytes), (int)Math.Min(maxBuiltBytes, int.MaxValue), lease);

    private readonly List<DeadLetter> _rejected = [];
    private long _built;
    private long _rejectedBytes;
    private int _index;

    public EventKind Kind { get; } = kind;

    /// <summary>
    /// The frame buffer for a body: each accepted event costs its bytes plus a 4-byte prefix, so the body
    /// plus prefixes for ~1 event per 64 bytes rarely grows.
    /// </summary>
    public static int CapacityFor(int bodyLength) => bodyLength + (bodyLength / 16) + 64;

    public int Count { get; private set; }

    public ReadOnlyMemory<byte> Frames => _frames.Memory;

    public IReadOnlyList<DeadLetter> Rejected => _rejected;

    public int Total => _index;

    /// <summary>
    /// Largest event the stream can carry, in bytes, whatever the client sent for it: one event must fit one
    /// 1 MB Event Hubs message with the frame prefix and the message's own headers, and 990,000 bytes leaves
    /// 10,000 for those. It is also the highest <see cref="GatewayOptions.MaxEventBytes"/> allowed.
    /// </summary>
    public const int MaxStoredEventBytes = 990_000;

    /// <summary>True when an event of <paramref name="length"/> bytes is within the limit.</summary>
    public bool Fits(int length) => length <= maxEventBytes;

    /// <summary>Keeps a valid event; one over the size limit is rejected instead.</summary>
    public void Accept(ReadOnlySpan<byte> eventBytes) => Accept(eventBytes, eventBytes.Length);

    /// <summary>
    /// Keeps an event stored as <paramref name="eventBytes"/> (a shipper's envelope) of which the client sent
    /// <paramref name="sentBytes"/>: the size limit applies to what the client sent for the event, not to the
    /// envelope's escaping and shared members (an OTLP record's resource). One whose envelope the stream cannot
    /// carry (<see cref="MaxStoredEventBytes"/>) is rejected too, with both sizes.
    /// </summary>
    public void Accept(ReadOnlySpan<byte> eventBytes, int sentBytes)
    {
        if (!Fits(sentBytes))
        {
            RejectOversize(eventBytes, sentBytes, " as sent");
            return;
        }

        Build(eventBytes.Length + EventFrames.PrefixBytes);
        if (eventBytes.Length > MaxStoredEventBytes)
        {
            var kept = eventBytes[..OversizeKeptBytes];
            Rejecting(new DeadLetter(_index, $"the event is {sentBytes} bytes as sent, but {eventBytes.Length} bytes as stored with what its protocol shares between events (such as an OTLP resource); one stored event can be at most {MaxStoredEventBytes} bytes{KeptNote(kept.Length)}", kept.ToArray()) { OriginalSize = eventBytes.Length });
            _index++;
            return;
        }

        var destination = _frames.GetSpan(EventFrames.PrefixBytes + eventBytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(destination, eventBytes.Length);
        eventBytes.CopyTo(destination[EventFrames.PrefixBytes..]);
        _frames.Advance(EventFrames.PrefixBytes + eventBytes.Length);
        Count++;
        _index++;
    }

    /// <summary>
    /// Rejects an event whose envelope was left unfinished at <paramref name="built"/>: building it stopped once it
    /// would pass <see cref="MaxStoredEventBytes"/> (or, for one over the limit as sent, once it held the
    /// <see cref="OversizeKeptBytes"/> its dead letter keeps), so no event costs more than the cap to build.
    /// </summary>
    public void RejectUnfinished(ReadOnlySpan<byte> built, int sentBytes)
    {
        if (!Fits(sentBytes))
        {
            RejectOversize(built, sentBytes, " as sent");
            return;
        }

        Build(built.Length);
        var kept = built[..Math.Min(built.Length, OversizeKeptBytes)];
        Rejecting(new DeadLetter(_index, $"the event is {sentBytes} bytes as sent, but more than {MaxStoredEventBytes} bytes as stored with what its protocol shares between events (such as an OTLP resource) and its attributes' flattened names; one stored event can be at most {MaxStoredEventBytes} bytes, and building it stopped there{KeptNote(kept.Length)}", kept.ToArray()) { OriginalSize = sentBytes });
        _index++;
    }

    /// <summary>Keeps a malformed event for the dead-letter stream; it does not fail the batch. One over the size limit is rejected for its size.</summary>
    public void Reject(ReadOnlySpan<byte> eventBytes, string reason)
    {
        if (!Fits(eventBytes.Length))
        {
            RejectOversize(eventBytes);
            return;
        }

        Rejecting(new DeadLetter(_index, reason, eventBytes.ToArray()));
        _index++;
    }

    /// <summary>Rejects an event over the size limit, keeping its first <see cref="OversizeKeptBytes"/> bytes.</summary>
    public void RejectOversize(ReadOnlySpan<byte> eventBytes) => RejectOversize(eventBytes, eventBytes.Length, "");

    /// <summary>Rejects an event the client sent as <paramref name="sentBytes"/>, over the limit as sent, before anything was built for it.</summary>
    public void RejectOversizeAsSent(ReadOnlySpan<byte> eventBytes, int sentBytes) => RejectOversize(eventBytes, sentBytes, " as sent");

    /// <summary>Rejects an event of which the client sent <paramref name="sentBytes"/>, over the limit; <paramref name="eventBytes"/> is what is kept of it.</summary>
    private void RejectOversize(ReadOnlySpan<byte> eventBytes, int sentBytes, string measured)
    {
        var kept = eventBytes[..Math.Min(eventBytes.Length, OversizeKeptBytes)];
        var reason = $"the event is {sentBytes} bytes{measured}; the limit for one event is {maxEventBytes} bytes ({GatewayOptions.SectionName}:{nameof(GatewayOptions.MaxEventBytes)}){KeptNote(kept.Length)}";
        Rejecting(new DeadLetter(_index, reason, kept.ToArray()) { OriginalSize = sentBytes });
        _index++;
    }

    /// <summary>
    /// The reason of a rejected event for a request refused whole (every event of it rejected), where nothing is kept:
    /// an oversize event's reason without what it says its dead letter keeps.
    /// </summary>
    public static string ReasonWhenNothingKept(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var note = KeptNote(letter.Raw.Length);
        return letter.OriginalSize is not null && letter.Reason.EndsWith(note, StringComparison.Ordinal) ? letter.Reason[..^note.Length] : letter.Reason;
    }

    private static string KeptNote(int keptBytes) => $"; its first {keptBytes} bytes are kept in the dead letters";

    /// <summary>
    /// Counts <paramref name="bytes"/> more built for the request: each event's envelope is counted when kept or rejected
    /// here, and a front counts what else it built for one (an OTLP record's flattened names). Throws the 413 once the
    /// request's total passes <c>maxBuiltBytes</c>.
    /// </summary>
    public void Build(long bytes)
    {
        _built += bytes;
        if (_built > maxBuiltBytes)
        {
            throw IngestProblemException.TooLarge(
                $"The events of this request take more than {maxBuiltBytes} bytes as stored ({GatewayOptions.SectionName}:{nameof(GatewayOptions.MaxDecompressedBytes)}, which bounds what a request builds as it bounds its decompressed body): each event carries what its protocol shares between events (an OTLP resource, HEC's query metadata), so the {_index} events before event {_index} took {_built - bytes} bytes. Nothing was stored; send fewer events per request, or a smaller resource or metadata.");
        }
    }

    /// <summary>What one rejected event is counted as holding: its kept bytes, its reason (UTF-16) and 64 for the objects around them.</summary>
    public static long RejectedBytes(DeadLetter letter) => letter.Raw.Length + ((long)letter.Reason.Length * sizeof(char)) + 64;

    /// <summary>Keeps a rejected event, counting what it holds toward <c>maxRejectedBytes</c> and the request's share of the memory budget.</summary>
    private void Rejecting(DeadLetter letter)
    {
        var bytes = RejectedBytes(letter);
        _rejectedBytes += bytes;
        if (_rejectedBytes > maxRejectedBytes)
        {
            var first = _rejected.Count > 0 ? _rejected[0] : letter;
            throw IngestProblemException.TooLarge(
                $"The rejected events of this request hold more than {maxRejectedBytes} bytes with their reasons ({GatewayOptions.SectionName}:{nameof(GatewayOptions.MaxDecompressedBytes)}): {_rejected.Count + 1} of its first {_index + 1} events were rejected, event {first.Index} because {first.Reason} Nothing was stored; check the body's framing and Content-Type.");
        }

        if (lease is not null && !lease.TryUse(bytes))
        {
            throw lease.Exhausted();
        }

        _rejected.Add(letter);
    }

    public void Dispose() => _frames.Dispose();
}
