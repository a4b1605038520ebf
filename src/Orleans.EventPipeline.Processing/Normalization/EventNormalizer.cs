using System.Diagnostics.CodeAnalysis;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// A tenant's parsers, built once from its <see cref="NormalizationSettings"/>: JSON events go to the
/// JSON parser with the source's (else the tenant's) field mapping, text events to the source's (else
/// the tenant's) text parser. Thread-safe; rebuild it when the settings change.
/// </summary>
public sealed class EventNormalizer
{
    private readonly Parsers _default;
    private readonly Dictionary<string, Parsers> _sources;

    /// <exception cref="ArgumentException">The settings are invalid; the message lists every problem and its fix.</exception>
    public EventNormalizer(NormalizationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid normalization settings: " + string.Join(" ", errors), nameof(settings));
        }

        _default = new Parsers(new JsonEventParser(settings.Json), ForText(settings.TextFormat));
        _sources = settings.Sources.ToDictionary(
            static s => s.Key,
            s => new Parsers(s.Value.Json is null ? _default.Json : new JsonEventParser(s.Value.Json), ForText(s.Value.TextFormat)),
            StringComparer.Ordinal);
    }

    /// <summary>The parser for a text format.</summary>
    public static IEventParser ForText(TextFormat format) => format switch
    {
        TextFormat.Syslog5424 => Syslog5424Parser.Instance,
        TextFormat.Syslog3164 => Syslog3164Parser.Instance,
        TextFormat.Cef => CefParser.Instance,
        TextFormat.Plain => PlainTextParser.Instance,
        _ => AutoTextParser.Instance,
    };

    /// <summary>The parser for events of <paramref name="kind"/> from <paramref name="source"/> (null: the tenant's default).</summary>
    public IEventParser ParserFor(EventKind kind, string? source = null)
    {
        var parsers = source is not null && _sources.TryGetValue(source, out var chosen) ? chosen : _default;
        return kind == EventKind.Json ? parsers.Json : parsers.Text;
    }

    /// <summary>Parses every event of <paramref name="batch"/>; failures become dead letters, nothing is dropped.</summary>
    public NormalizationResult Normalize(RawEventBatch batch, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var parser = ParserFor(batch.Kind, source);
        var events = new List<NormalizedEvent>(batch.Count);
        var indexes = new List<int>(batch.Count);
        List<DeadLetter>? deadLetters = null;
        var position = 0;
        foreach (var raw in batch.Events)
        {
            var context = new EventContext(batch.TenantId, batch.EventId(position), batch.IngestTime);
            if (parser.TryParse(raw.Span, context, out var normalized, out var failure))
            {
                events.Add(normalized);
                indexes.Add(batch.FirstIndex + position);
            }
            else
            {
                // Copied: the dead letter outlives the batch's buffer.
                (deadLetters ??= []).Add(new DeadLetter(batch.FirstIndex + position, failure, raw.ToArray()));
            }

            position++;
        }

        ProcessingInstruments.RecordParsed(batch.TenantId, events.Count, deadLetters?.Count ?? 0);
        return new NormalizationResult(events, indexes, deadLetters ?? (IReadOnlyList<DeadLetter>)[]);
    }

    /// <summary>Parses one event.</summary>
    public bool TryNormalize(
        ReadOnlySpan<byte> utf8,
        EventKind kind,
        in EventContext context,
        string? source,
        [NotNullWhen(true)] out NormalizedEvent? normalized,
        [NotNullWhen(false)] out string? failure) =>
        ParserFor(kind, source).TryParse(utf8, context, out normalized, out failure);

    private sealed record Parsers(IEventParser Json, IEventParser Text);
}
