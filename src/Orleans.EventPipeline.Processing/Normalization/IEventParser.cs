using System.Diagnostics.CodeAnalysis;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>Parses one raw event's UTF-8 bytes into the normalized schema. Implementations are stateless and thread-safe.</summary>
public interface IEventParser
{
    /// <summary>
    /// Parses <paramref name="utf8"/>; the bytes are only read during the call. On failure
    /// <paramref name="failure"/> says what is wrong and where, for the dead letter.
    /// </summary>
    bool TryParse(
        ReadOnlySpan<byte> utf8,
        in EventContext context,
        [NotNullWhen(true)] out NormalizedEvent? normalized,
        [NotNullWhen(false)] out string? failure);
}
