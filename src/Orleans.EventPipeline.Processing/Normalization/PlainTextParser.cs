using System.Diagnostics.CodeAnalysis;
using System.Text.Unicode;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>Keeps a line whole as the body; no time, no severity. Only empty lines and invalid UTF-8 fail.</summary>
public sealed class PlainTextParser : IEventParser
{
    public static PlainTextParser Instance { get; } = new();

    public bool TryParse(
        ReadOnlySpan<byte> utf8,
        in EventContext context,
        [NotNullWhen(true)] out NormalizedEvent? normalized,
        [NotNullWhen(false)] out string? failure)
    {
        normalized = null;
        if (!TryCheck(utf8, out failure))
        {
            return false;
        }

        normalized = EventFactory.Create(context, null, Severity.Unspecified, null, EventFactory.Text(utf8),
            new Dictionary<string, AttributeValue>(0, StringComparer.Ordinal), null, SourceFormat.Text);
        return true;
    }

    /// <summary>Fails an empty or blank event, and bytes that are not UTF-8 (e.g. a binary file posted as text).</summary>
    internal static bool TryCheck(ReadOnlySpan<byte> utf8, [NotNullWhen(false)] out string? failure)
    {
        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            failure = "Text: the event is empty or blank; send one non-empty line per event.";
            return false;
        }

        if (!Utf8.IsValid(utf8))
        {
            failure = "Text: the event is not valid UTF-8; send text encoded as UTF-8.";
            return false;
        }

        failure = null;
        return true;
    }
}
