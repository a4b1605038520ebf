using System.IO.Enumeration;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Agent.Configuration;
using Orleans.EventPipeline.Client;

namespace Orleans.EventPipeline.Agent.Sources.Files;

/// <summary>
/// Tails the files a glob matches. A file is known by its device and inode (<see cref="FileIdentity"/>) and held
/// open, so rotation by rename keeps reading the renamed file to its end while the new file is read from its
/// start; a file shorter than its position, or whose bytes before its position changed (<see cref="FilePosition"/>),
/// was truncated in place (copytruncate) and is read again from 0. The position after each call's lines travels
/// with them into the client's spool (<see cref="SourceCheckpoint"/>), so a restart resumes after the last spooled
/// line, also in a file renamed away while the agent was stopped: nothing lost, nothing sent twice.
/// </summary>
/// <param name="otherSources">The globs of the agent's other file sources: a file one of them matches, or has read, is theirs,
/// never a rotation of this source's (<c>app.log.audit</c> beside <c>app.log</c>).</param>
internal sealed partial class FileTailSource(FileSourceOptions options, IReadOnlyList<string> otherSources, int maxLineBytes, EventPipelineClient client, ILogger logger, TimeProvider time) : IEventSource
{
    // One read's worth: a client batch (1 MiB by default) holds several.
    private const int ChunkBytes = 256 * 1024;

    // A file renamed away is read for this long after its last growth: the writer may still be finishing lines
    // until it reopens its log (logrotate's postrotate signal).
    private static readonly TimeSpan GoneGrace = TimeSpan.FromSeconds(5);

    private static readonly EnumerationOptions Listing = new() { MatchType = MatchType.Simple, MatchCasing = MatchCasing.CaseSensitive };

    private readonly Dictionary<FileIdentity, TailedFile> _files = [];
    private readonly byte[] _buffer = new byte[Math.Max(ChunkBytes, maxLineBytes + 1)];
    private readonly byte[] _before = new byte[FilePosition.FingerprintBytes];
    private readonly List<ReadOnlyMemory<byte>> _lines = [];
    private readonly string _folder = Path.GetDirectoryName(options.Path)!;
    private readonly string _pattern = Path.GetFileName(options.Path);

    // Compressed rotations (logrotate's compress, or another tool) are not read: their lines are in another encoding.
    private static readonly string[] CompressedExtensions = [".gz", ".zst", ".bz2", ".xz"];

    // When this source last saved a checkpoint (the newest of its positions, or the last time it forgot a file), as
    // read at the start: a rotated file modified after it may hold lines never read.
    private DateTimeOffset? _lastSavedAt;

    /// <summary>The checkpoint holding the time this source last forgot a file: a forgotten file leaves no position to date it.</summary>
    private string ForgottenKey => $"files:{options.Path}";

    public string Name => $"file:{options.Path}";

    public bool Finite => false;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var saved = new Dictionary<FileIdentity, FilePosition>();
        var others = new HashSet<FileIdentity>();
        foreach (var (key, text) in client.Checkpoints)
        {
            // The client keeps one spool per format: other file sources' positions are there too, told apart by path.
            if (FileIdentity.TryParseKey(key, out var identity) && FilePosition.TryParse(text, out var position))
            {
                if (position.Path.Length == 0 || Matches(options.Path, position.Path))
                {
                    saved[identity] = position;
                    Later(position.SavedAtMs);
                }
                else
                {
                    others.Add(identity);
                }
            }
            else if (key == ForgottenKey && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var forgottenAt))
            {
                Later(forgottenAt);
            }
        }

        LogWatching(logger, options.Path, options.PollInterval);
        var first = true;
        try
        {
            while (true)
            {
                await ScanAsync(saved, others, first, cancellationToken).ConfigureAwait(false);
                first = false;
                foreach (var file in _files.Values.ToList())
                {
                    await ReadAsync(file, cancellationToken).ConfigureAwait(false);
                }

                await Task.Delay(options.PollInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var file in _files.Values)
            {
                file.Dispose();
            }
        }
    }

    private void Later(long? unixMs)
    {
        if (unixMs is { } ms && ms > 0 && (_lastSavedAt is not { } last || ms > last.ToUnixTimeMilliseconds()))
        {
            _lastSavedAt = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }
    }

    /// <summary>Forgets a file's position (an empty one), and saves when, so a later start does not take the file, found under another name, for one never read.</summary>
    private async Task ForgetAsync(FileIdentity identity, CancellationToken cancellationToken)
    {
        await client.SendAsync(_lines, new SourceCheckpoint(identity.Key, ""), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await client.SendAsync([], new SourceCheckpoint(ForgottenKey, now), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the file source <paramref name="glob"/> (a folder and a file pattern) matches <paramref name="path"/>.</summary>
    private static bool Matches(string glob, string path) =>
        string.Equals(Path.GetDirectoryName(path), Path.GetDirectoryName(glob), StringComparison.Ordinal)
        && FileSystemName.MatchesSimpleExpression(Path.GetFileName(glob), Path.GetFileName(path), ignoreCase: false);

    private async Task ScanAsync(Dictionary<FileIdentity, FilePosition> saved, HashSet<FileIdentity> others, bool first, CancellationToken cancellationToken)
    {
        var matches = new List<(string Path, FileIdentity Identity)>();
        if (Directory.Exists(_folder))
        {
            foreach (var path in Directory.EnumerateFiles(_folder, _pattern, Listing))
            {
                if (FileIdentity.TryOf(path, out var identity))
                {
                    matches.Add((path, identity));
                }
            }
        }

        var resumed = first && saved.Values.Any(static p => p.Path.Length > 0);
        if (first)
        {
            if (matches.Count == 0)
            {
                LogNoMatch(logger, options.Path, options.PollInterval);
            }

            // Files renamed away while the agent was stopped come first: their unread lines are older than the new file's.
            await RecoverRotatedAsync(saved, others, matches.Select(static m => m.Identity).ToHashSet(), cancellationToken).ConfigureAwait(false);
        }

        var seen = new HashSet<FileIdentity>();
        foreach (var (path, identity) in matches)
        {
            if (_files.TryGetValue(identity, out var known))
            {
                known.Path = path;
                known.GoneSince = null;
                seen.Add(identity);
                continue;
            }

            // A saved position: resume there. A file there at the very first start (no saved position of this
            // source at all): StartAt. A file that appeared while running or while the agent was stopped: from its
            // start, so no line written before the first look is missed.
            var start = saved.Remove(identity, out var position) ? position : (FilePosition?)null;
            var atEnd = first && !resumed && options.StartAt == FileStart.End && start is null;
            if (Open(path, start, atEnd) is { } opened)
            {
                _files[opened.Identity] = opened;
                seen.Add(opened.Identity);
                if (atEnd)
                {
                    // Saved now, not with the first line read: a restart before one would start at the end again, past
                    // what was written meanwhile (helper-104).
                    var length = RandomAccess.GetLength(opened.Handle);
                    await client.SaveCheckpointAsync(new SourceCheckpoint(opened.Identity.Key, opened.PositionAt(length, time.GetUtcNow()).ToString()), cancellationToken).ConfigureAwait(false);
                    opened.SavedSize = length;
                }
            }
        }

        var now = time.GetUtcNow();
        foreach (var file in _files.Values)
        {
            if (!seen.Contains(file.Identity))
            {
                file.GoneSince ??= now;
            }
        }
    }

    /// <summary>
    /// At start: a saved file the glob no longer finds was rotated by rename (or deleted) while the agent was
    /// stopped. It is looked for by its identity among the files of the same directory (app.log.1, app.log.2, …)
    /// and read from its saved position to its end; if it is gone (deleted, compressed), the range not read is logged.
    /// A file of the directory the agent never read whose name starts with a saved file's name (app.log.1,
    /// app.log-20261201) and that was modified after this source's last checkpoint was created and rotated while the
    /// agent was stopped: it is read from its start. All of them oldest first, before the files the glob matches.
    /// </summary>
    private async Task RecoverRotatedAsync(Dictionary<FileIdentity, FilePosition> saved, HashSet<FileIdentity> others, HashSet<FileIdentity> matched, CancellationToken cancellationToken)
    {
        var missing = saved.Where(s => s.Value.Path.Length > 0 && !matched.Contains(s.Key)).ToList();
        var watched = saved.Values.Where(static p => p.Path.Length > 0).Select(static p => Path.GetFileName(p.Path)).Distinct(StringComparer.Ordinal).ToList();
        if (watched.Count == 0 || !Directory.Exists(_folder))
        {
            await ReportLostAsync(saved, missing, cancellationToken).ConfigureAwait(false);
            return;
        }

        var found = new List<(string Path, DateTime Modified, FileIdentity Identity, FilePosition? Position, string Name)>();
        foreach (var path in Directory.EnumerateFiles(_folder))
        {
            if (!FileIdentity.TryOf(path, out var identity) || matched.Contains(identity) || File.ResolveLinkTarget(path, returnFinalTarget: false) is not null)
            {
                continue;
            }

            var modified = File.GetLastWriteTimeUtc(path);
            if (saved.TryGetValue(identity, out var position))
            {
                found.Add((path, modified, identity, position, position.Path));
                continue;
            }

            var name = Path.GetFileName(path);
            var of = watched.Find(w => name.Length > w.Length && name.StartsWith(w, StringComparison.Ordinal));
            if (of is null || _lastSavedAt is not { } since || modified <= since.UtcDateTime
                || others.Contains(identity) || otherSources.Any(glob => Matches(glob, path)))
            {
                continue;
            }

            if (CompressedExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            {
                LogCompressedSibling(logger, path, of, since);
                continue;
            }

            found.Add((path, modified, identity, null, Path.Combine(_folder, of)));
        }

        var now = time.GetUtcNow();
        foreach (var (path, _, identity, position, name) in found.OrderBy(static f => f.Modified))
        {
            if (position is null)
            {
                LogRotatedUnread(logger, path, identity.Key, name, _lastSavedAt!.Value);
            }

            // A file found keeps the name the glob matched, so its position stays this source's across another restart.
            if (Open(path, position, startAtEnd: false, renamedFrom: name) is { } opened)
            {
                saved.Remove(identity);
                opened.GoneSince = now;
                _files[identity] = opened;
            }
        }

        await ReportLostAsync(saved, missing, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Saved files not found under any name: the range not read is logged (unless they had been read to the size last seen), and their positions forgotten.</summary>
    private async Task ReportLostAsync(Dictionary<FileIdentity, FilePosition> saved, List<KeyValuePair<FileIdentity, FilePosition>> missing, CancellationToken cancellationToken)
    {
        foreach (var (identity, position) in missing)
        {
            if (!saved.Remove(identity))
            {
                continue;
            }

            if (position.Size is { } size && position.Offset >= size)
            {
                LogRotatedGoneRead(logger, position.Path, identity.Key, size);
            }
            else
            {
                LogRotatedLost(logger, position.Path, identity.Key, _folder, position.Offset);
            }

            // Forgotten, so the next start does not report it again.
            _lines.Clear();
            await ForgetAsync(identity, cancellationToken).ConfigureAwait(false);
        }
    }

    private TailedFile? Open(string path, FilePosition? saved, bool startAtEnd, string? renamedFrom = null)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            LogCannotOpen(logger, path, e.Message);
            return null;
        }

        var identity = FileIdentity.Of(handle);
        var length = RandomAccess.GetLength(handle);
        // A file found renamed keeps the name the glob matched, so its position stays this source's across another restart.
        var file = new TailedFile(identity, handle, renamedFrom ?? path, new LineSplitter(maxLineBytes, client.MaxCallBytes, path, logger)) { LastGrowth = time.GetUtcNow() };
        if (saved is { } position)
        {
            file.SavedSize = position.Size ?? -1;
            file.Seek(Math.Min(position.Offset, length), position.InCutLine);
            var same = length >= position.Offset && (position.Fingerprint is not { } fingerprint || FilePosition.Of(file.Tail) == fingerprint);
            if (!same && renamedFrom is not null)
            {
                // Not the file that was read, only its inode reused: it is not this source's to read.
                file.Dispose();
                return null;
            }

            if (length < position.Offset)
            {
                LogTruncated(logger, path, position.Offset, length);
                file.Seek(0, false);
            }
            else if (!same)
            {
                LogRewritten(logger, path, position.Offset);
                file.Seek(0, false);
            }
        }
        else
        {
            file.Seek(startAtEnd ? length : 0, false);
        }

        if (renamedFrom is null)
        {
            LogFollowing(logger, path, identity.Key, file.Offset);
        }
        else if (saved is not null)
        {
            LogRotatedFound(logger, renamedFrom, path, identity.Key, file.Offset);
        }

        return file;
    }

    private async Task ReadAsync(TailedFile file, CancellationToken cancellationToken)
    {
        var length = RandomAccess.GetLength(file.Handle);
        if (length < file.Offset)
        {
            LogTruncated(logger, file.Path, file.Offset, length);
            file.Seek(0, false);
        }
        else if (length > file.Offset && file.Offset > 0 && !file.Tail.SequenceEqual(_before.AsSpan(0, file.ReadBefore(file.Offset, _before))))
        {
            // copytruncate, and the file grew past the old position again within one look: its size alone cannot tell.
            LogRewritten(logger, file.Path, file.Offset);
            file.Seek(0, false);
        }

        var filled = 0;
        while (file.Offset + filled < length)
        {
            var read = RandomAccess.Read(file.Handle, _buffer.AsSpan(filled, Math.Min(ChunkBytes, _buffer.Length - filled)), file.Offset + filled);
            if (read == 0)
            {
                break;
            }

            filled += read;
            file.LastGrowth = time.GetUtcNow();
            // A read may hold more than one send takes (MaxCallBytes): split until only a partial line is left, each
            // send with the position after its own lines, so a crash between two sends loses and doubles nothing.
            int consumed;
            do
            {
                _lines.Clear();
                consumed = file.Splitter.Split(_buffer.AsMemory(0, filled), _lines);
                if (consumed == 0)
                {
                    break;
                }

                file.Advance(_buffer.AsSpan(0, consumed));
                if (_lines.Count > 0)
                {
                    // A skip alone (the rest of a cut line) is not sent: the next lines' position covers it, and a restart
                    // before them skips it again from the position saved with the cut line.
                    await client.SendAsync(_lines, new SourceCheckpoint(file.Identity.Key, file.PositionAt(length, time.GetUtcNow()).ToString()), cancellationToken).ConfigureAwait(false);
                    file.SavedSize = length;
                }

                _buffer.AsSpan(consumed, filled - consumed).CopyTo(_buffer);
                filled -= consumed;
            }
            while (filled > 0);
        }

        if (file.SavedSize != length && filled > 0)
        {
            // Grown without a whole line since its last checkpoint: the saved size follows (with the next batch), so a
            // file deleted while the agent is stopped is reported as not read past its offset.
            _lines.Clear();
            await client.SendAsync(_lines, new SourceCheckpoint(file.Identity.Key, file.PositionAt(length, time.GetUtcNow()).ToString()), cancellationToken).ConfigureAwait(false);
            file.SavedSize = length;
        }

        if (file.GoneSince is not null && time.GetUtcNow() - file.LastGrowth >= GoneGrace)
        {
            // Renamed away or deleted, and done growing: its last line may lack a line break. An empty position
            // forgets the file's checkpoint.
            _lines.Clear();
            file.Splitter.AddLast(_buffer.AsMemory(0, filled), _lines);
            await ForgetAsync(file.Identity, cancellationToken).ConfigureAwait(false);
            LogDone(logger, file.Path, file.Offset + filled);
            _files.Remove(file.Identity);
            file.Dispose();
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Tailing {Path} ({Identity}) from byte {Offset}")]
    private static partial void LogFollowing(ILogger logger, string path, string identity, long offset);

    [LoggerMessage(2, LogLevel.Warning, "{Path} is shorter ({Length} bytes) than the position read ({Offset}): truncated in place (copytruncate), read again from its start")]
    private static partial void LogTruncated(ILogger logger, string path, long offset, long length);

    [LoggerMessage(3, LogLevel.Information, "{Path} was rotated away or deleted and read to its end ({Length} bytes)")]
    private static partial void LogDone(ILogger logger, string path, long length);

    [LoggerMessage(4, LogLevel.Warning, "Cannot open {Path}: {Reason}; tried again at the next look")]
    private static partial void LogCannotOpen(ILogger logger, string path, string reason);

    [LoggerMessage(5, LogLevel.Warning, "{Path}: the bytes before the position read ({Offset}) changed: truncated in place (copytruncate) and written again, read again from its start")]
    private static partial void LogRewritten(ILogger logger, string path, long offset);

    [LoggerMessage(6, LogLevel.Information, "{OldPath} was rotated while the agent was stopped: its file ({Identity}) is now {Path}, read from byte {Offset} to its end")]
    private static partial void LogRotatedFound(ILogger logger, string oldPath, string path, string identity, long offset);

    [LoggerMessage(7, LogLevel.Warning, "{OldPath} was rotated while the agent was stopped and its file ({Identity}) is no longer in {Folder} (deleted or compressed): its bytes after byte {Offset} were not read")]
    private static partial void LogRotatedLost(ILogger logger, string oldPath, string identity, string folder, long offset);

    // Information, not a warning: the usual end of a rotated file read to its end. Bytes written to it while the agent
    // was stopped cannot be told from none once it is gone, so the line says what could not be read.
    [LoggerMessage(10, LogLevel.Information, "{OldPath} ({Identity}) is gone (deleted or compressed); it had been read to its size at the agent's last look ({Size} bytes): only lines written to it after that, while the agent was stopped, were missed")]
    private static partial void LogRotatedGoneRead(ILogger logger, string oldPath, string identity, long size);

    [LoggerMessage(11, LogLevel.Information, "{Path} ({Identity}) was never read: its name starts with {Name}'s and it changed after the last checkpoint ({Since:O}), so it was written and rotated while the agent was stopped; read from its start")]
    private static partial void LogRotatedUnread(ILogger logger, string path, string identity, string name, DateTimeOffset since);

    [LoggerMessage(12, LogLevel.Warning, "{Path} is compressed and changed after the last checkpoint ({Since:O}): it may hold lines of {Name} the agent never read, which it does not read from a compressed file")]
    private static partial void LogCompressedSibling(ILogger logger, string path, string name, DateTimeOffset since);

    [LoggerMessage(8, LogLevel.Information, "Watching {Glob} every {PollInterval}")]
    private static partial void LogWatching(ILogger logger, string glob, TimeSpan pollInterval);

    [LoggerMessage(9, LogLevel.Warning, "{Glob} matches no file now; files that appear are read as they do (looked for every {PollInterval})")]
    private static partial void LogNoMatch(ILogger logger, string glob, TimeSpan pollInterval);
}
