using System.Globalization;
using System.IO.Hashing;

namespace Orleans.EventPipeline.Agent.Sources.Files;

/// <summary>
/// A tailed file's checkpoint (under the key <see cref="FileIdentity.Key"/>):
/// <c>{offset}:{fingerprint, 16 hex digits}:{l or c}:{size}:{saved at, Unix ms}:{path}</c>. The fingerprint hashes the up to
/// <see cref="FingerprintBytes"/> bytes before the offset, so a file rewritten in place (copytruncate, then grown
/// past the old offset) or an inode reused by another file is told from the file that was read; <c>c</c> says the
/// offset is inside a line cut at MaxLineBytes, whose rest is skipped; the path is where the file was last seen,
/// so a restart looks for a file renamed away while the agent was down in the same directory. The size is the
/// file's at the look that saved it (a file gone while stopped whose offset reached it lost nothing), and the time is
/// that look's (a rotated file modified after it holds lines not read). Positions of older agents are still read:
/// <c>{offset}:{fingerprint}:{l or c}:{path}</c> (no size, no time), or the offset alone.
/// </summary>
internal readonly record struct FilePosition(long Offset, ulong? Fingerprint, bool InCutLine, string Path, long? Size = null, long? SavedAtMs = null)
{
    /// <summary>Bytes before the offset the fingerprint covers: a line's timestamp and more, at 64 bytes.</summary>
    public const int FingerprintBytes = 64;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Offset}:{Fingerprint ?? 0:x16}:{(InCutLine ? 'c' : 'l')}:{Size ?? Offset}:{SavedAtMs ?? 0}:{Path}");

    public static bool TryParse(string text, out FilePosition position)
    {
        position = default;
        var parts = text.Split(':', 4);
        if (!long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            return false;
        }

        if (parts.Length == 1)
        {
            position = new FilePosition(offset, null, false, "");
            return true;
        }

        if (parts.Length != 4 || !ulong.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var fingerprint) || parts[2] is not ("l" or "c"))
        {
            return false;
        }

        // A path is absolute (starts with /), so two numbers before it are this agent's size and time.
        var rest = parts[3].Split(':', 3);
        if (rest.Length == 3 && long.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && long.TryParse(rest[1], NumberStyles.None, CultureInfo.InvariantCulture, out var savedAt))
        {
            position = new FilePosition(offset, fingerprint, parts[2] == "c", rest[2], size, savedAt);
            return true;
        }

        position = new FilePosition(offset, fingerprint, parts[2] == "c", parts[3]);
        return true;
    }

    /// <summary>The fingerprint of the bytes before an offset (<see cref="FingerprintBytes"/> or fewer, at the start of a file).</summary>
    public static ulong Of(ReadOnlySpan<byte> before) => XxHash3.HashToUInt64(before);
}
