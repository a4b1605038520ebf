namespace Orleans.EventPipeline.Processing;

/// <summary>
/// Whether a path lies in a directory, for every check that keeps a file inside one: the archive's object names, the
/// lookup directory's files, the silo's data directory against the archive and lookup directories.
/// </summary>
public static class DirectoryContainment
{
    // Windows' file names ignore case, so its paths are compared so too.
    private static readonly StringComparison Comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Whether <paramref name="path"/> is <paramref name="directory"/> or lies under it (both full paths).</summary>
    public static bool Contains(string directory, string path)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(path);
        var root = Path.TrimEndingDirectorySeparator(directory);
        var inner = Path.TrimEndingDirectorySeparator(path);
        // A root directory ("/") keeps its separator.
        var inside = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return string.Equals(inner, root, Comparison) || inner.StartsWith(inside, Comparison);
    }
}
