using Orleans.EventPipeline.IO;
using System.IO.Enumeration;
using System.Runtime.CompilerServices;

namespace Orleans.EventPipeline.Processing.Archive;

/// <summary>
/// Archive objects as files under a root directory (local mode). A write goes to a temporary file in the
/// target folder, is fsync'd, then renamed over the name: rename within a folder is atomic on POSIX and
/// NTFS, so readers and listings see the old object or the whole new one, never a part. The folder is
/// fsync'd after the rename (and the folders above it when the hour's folder is new), so the name is
/// durable when the write returns, before the consumer checkpoints past the object.
/// </summary>
public sealed class LocalDirectoryArchiveStore : IArchiveStore
{
    private const string TemporarySuffix = ".tmp";

    private readonly string _root;

    public LocalDirectoryArchiveStore(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        _root = Path.GetFullPath(rootDirectory);
    }

    public string RootDirectory => _root;

    public async Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        var folder = Path.GetDirectoryName(path)!;
        var newFolder = !Directory.Exists(folder);
        Directory.CreateDirectory(folder);
        var temporary = $"{path}.{Guid.NewGuid():N}{TemporarySuffix}";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await file.WriteAsync(content, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            DirectorySync.Flush(folder);
            if (newFolder)
            {
                // At most once an hour per tenant: the new tenant/yyyy/MM/dd/HH folders' own entries.
                for (var parent = Path.GetDirectoryName(folder); parent is not null && parent.Length >= _root.Length; parent = Path.GetDirectoryName(parent))
                {
                    DirectorySync.Flush(parent);
                }
            }
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var slash = prefix.LastIndexOf('/');
        var folder = slash < 0 ? string.Empty : prefix[..(slash + 1)];
        var directory = PathOf(folder.Length == 0 ? "." : folder.TrimEnd('/'));
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        // A writer lists one sequence's objects in an hour's folder that holds every object of the tenant's hour
        // (thousands at a busy stream's rate), twice per object it writes: the entries of the prefix's folder are
        // matched by name as the directory is read, and only a match becomes a string. Below the prefix's folder
        // a name matches whole once its first folder does, so only matching folders are entered.
        var tail = prefix[(slash + 1)..];
        var entries = new FileSystemEnumerable<string>(
            directory,
            (ref FileSystemEntry entry) => Path.GetRelativePath(_root, entry.ToFullPath()).Replace(Path.DirectorySeparatorChar, '/'),
            new EnumerationOptions { RecurseSubdirectories = true })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                return !entry.IsDirectory && !entry.FileName.EndsWith(TemporarySuffix, StringComparison.Ordinal) && MatchesTail(ref entry, tail);
            },
            ShouldRecursePredicate = (ref FileSystemEntry entry) => MatchesTail(ref entry, tail),
        };

        foreach (var name in entries)
        {
            // The folder was found through a full path: a prefix that reaches it another way ("./", "t/../t/") names
            // no object as a plain string prefix, as in Blob Storage.
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return name;
            }
        }

        await Task.CompletedTask;
    }

    // Entries deeper than the listed folder were reached through a folder that matched already.
    private static bool MatchesTail(ref FileSystemEntry entry, string tail) =>
        entry.Directory.Length != entry.RootDirectory.Length || entry.FileName.StartsWith(tail, StringComparison.Ordinal);

    public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        try
        {
            return Task.FromResult<Stream?>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // File.Delete is quiet about a missing file but not about a missing folder: either way there is no such object.
        }

        return Task.CompletedTask;
    }

    // Names come from tenants' ids and stream keys: refuse anything that would leave the root.
    private string PathOf(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var path = Path.GetFullPath(Path.Combine(_root, name));
        if (!DirectoryContainment.Contains(_root, path))
        {
            throw new ArgumentException($"Archive object name \"{name}\" points outside the archive root {_root}.", nameof(name));
        }

        return path;
    }
}
