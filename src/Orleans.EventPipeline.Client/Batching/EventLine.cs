namespace Orleans.EventPipeline.Client.Batching;

/// <summary>What the gateway takes as one event of a newline-delimited body, for the client and the agent's framing alike.</summary>
public static class EventLine
{
    /// <summary>
    /// Whether the gateway would skip this line: nothing but spaces, tabs and CR, after a byte order mark. The BOM too: the
    /// gateway strips one at the start of a body, so an event that was only a BOM, first in its batch, became a blank line
    /// it skipped, and every index after it shifted by one (the counts and the rejected events' bytes were wrong).
    /// <see cref="EventPipelineClient.SendAsync"/> refuses such an event; the agent's framing skips it.
    /// </summary>
    public static bool IsBlank(ReadOnlySpan<byte> line) =>
        (line.StartsWith("\uFEFF"u8) ? line[3..] : line).Trim(" \t\r"u8).IsEmpty;
}
