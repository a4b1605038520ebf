using System.Diagnostics.CodeAnalysis;

namespace Orleans.EventPipeline.Processing.Enrichment;

/// <summary>
/// The one directory a tenant's lookup files (CSV tables, GeoIP databases) are read from. A tenant's settings name
/// their files by path, and the silo opens what they name: unbounded, an admin could name <c>/etc/shadow</c> or the
/// silo's key ring, and learn about the host from why it did not load. A path is taken relative to this directory; one
/// that leads out of it (an absolute path elsewhere, <c>..</c>, a symbolic link to elsewhere) is refused before
/// anything it names is opened or looked at, and the file read is the one <see cref="TryResolve"/> checked.
/// </summary>
public sealed class LookupDirectory
{
    // Links followed for one path at most, Linux's own limit: a loop of links ends as a refusal, not a hang.
    private const int MaxLinks = 40;

    /// <param name="path">The directory; relative to the working directory when not absolute. It need not exist yet.</param>
    /// <param name="setting">The setting that chose it, named in every refusal, e.g. <c>Pipeline:LookupDirectory</c>.</param>
    public LookupDirectory(string path, string setting)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(setting);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        // The directory's own links are followed once, here: a file is compared with where the directory really is
        // (a /data that is a link to /mnt/data holds /mnt/data/lookups/assets.csv).
        Root = Follow(Path.GetPathRoot(full)!, full) ?? full;
        Setting = setting;
    }

    /// <summary>The directory's full path, its own symbolic links followed.</summary>
    public string Root { get; }

    /// <summary>The setting that chose the directory.</summary>
    public string Setting { get; }

    /// <summary>
    /// The file <paramref name="path"/> names in the directory (relative to it, or absolute inside it), with every
    /// symbolic link on the way followed: the path to open. False, with the problem for the caller, when it leads out.
    /// </summary>
    /// <exception cref="ArgumentException">A path the system refuses (a NUL in it).</exception>
    /// <exception cref="IOException">A link on the way cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A directory on the way may not be looked into.</exception>
    public bool TryResolve(string path, [NotNullWhen(true)] out string? file, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path, Root);
        if (!DirectoryContainment.Contains(Root, full))
        {
            file = null;
            problem = $"\"{path}\" is outside the lookup directory {Root} ({Setting}): put the file in that directory and name it relative to it, e.g. \"{Path.GetFileName(full)}\"; no file outside it is read.";
            return false;
        }

        file = Follow(Root, full);
        problem = file is null
            ? $"\"{path}\" leads out of the lookup directory {Root} ({Setting}) through a symbolic link, or through more than {MaxLinks}: copy the file into the directory instead; no file outside it is read."
            : null;
        return file is not null;
    }

    /// <summary>
    /// <paramref name="full"/> (inside <paramref name="top"/>) with each symbolic link on it replaced by where it leads,
    /// component by component from <paramref name="top"/>; null when a link leads out of <paramref name="top"/> or there
    /// are more than <see cref="MaxLinks"/>. A component that does not exist is kept as it is: opening it then fails
    /// as a missing file does. Nothing outside <paramref name="top"/> is looked at.
    /// </summary>
    private static string? Follow(string top, string full)
    {
        var pending = Parts(top, full);
        var current = top;
        var links = 0;
        while (pending.Count > 0)
        {
            var next = Path.Join(current, pending[0]);
            pending.RemoveAt(0);
            if (new FileInfo(next).LinkTarget is not { } target)
            {
                current = next;
                continue;
            }

            // A relative target is relative to the link's own directory. The walk starts over from the top with where it
            // leads, so a link inside the target is followed too; what the kernel opens is the path built here, every
            // component of which was checked.
            var led = Path.GetFullPath(target, current);
            if (++links > MaxLinks || !DirectoryContainment.Contains(top, led))
            {
                return null;
            }

            pending.InsertRange(0, Parts(top, led));
            current = top;
        }

        return current;
    }

    private static List<string> Parts(string top, string full) =>
        [.. Path.GetRelativePath(top, full).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Where(static part => part is not ("" or "."))];
}
