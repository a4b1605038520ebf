using System.Globalization;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Agent.Configuration;
using Orleans.EventPipeline.Client;

namespace Orleans.EventPipeline.Agent.Sources.Files;

/// <summary>
/// Tails the files a glob matches. A file is known by its device and inode (<see cref="FileIdentity"/>) and held
/// open, so rotation by rename keeps reading the renamed file to its end while the new file is read from its
/// start; a file shorter than its position was truncated in place (copytruncate) and is read again from 0. The
/// position after each call's lines travels with them into the client's spool (<see cref="SourceCheckpoint"/>),
/// so a restart resumes after the last spooled line: nothing lost, nothing sent twice.
/// </summary>
internal sealed partial class FileTailSource(FileSourceOptions options, EventPipelineClient client, ILogger logger, TimeProvider time) : IEventSource
{
    // One read's worth: a client batch (1 MiB by default) holds several.
    private const int ChunkBytes = 256 * 1024;

    // A file renamed away is read for this long after its last growth: the writer may still be finishing lines
    // until it reopens its log (logrotate's postrotate signal).
    private static readonly TimeSpan GoneGrace = TimeSpan.FromSeconds(5);

    private readonly Dictionary<FileIdentity, TailedFile> _files = [];
    private readonly byte[] _buffer = new byte[Math.Max(ChunkBytes, LineSplitter.MaxLineBytes)];
    private readonly List<ReadOnlyMemory<byte>> _lines = [];

    public string Name => $"file:{options.Path}";

    public bool Finite => false;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var saved = new Dictionary<FileIdentity, long>();
        foreach (var (key, position) in client.Checkpoints)
        {
            if (FileIdentity.TryParseKey(key, out var identity))
            {
                saved[identity] = long.Parse(position, CultureInfo.InvariantCulture);
            }
        }

        var first = true;
        try
        {
            while (true)
            {
                Scan(saved, first);
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

    private void Scan(Dictionary<FileIdentity, long> saved, bool first)
    {
        var folder = System.IO.Path.GetDirectoryName(options.Path)!;
        var pattern = System.IO.Path.GetFileName(options.Path);
        var seen = new HashSet<FileIdentity>();
        if (Directory.Exists(folder))
        {
            foreach (var path in Directory.EnumerateFiles(folder, pattern, new EnumerationOptions { MatchType = MatchType.Simple, MatchCasing = MatchCasing.CaseSensitive }))
            {
                if (!FileIdentity.TryOf(path, out var identity))
                {
                    continue;
                }

                if (_files.TryGetValue(identity, out var known))
                {
                    known.Path = path;
                    known.GoneSince = null;
                    seen.Add(identity);
                    continue;
                }

                if (Open(path, saved, first) is { } opened)
                {
                    _files[opened.Identity] = opened;
                    seen.Add(opened.Identity);
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

    private TailedFile? Open(string path, Dictionary<FileIdentity, long> saved, bool first)
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
        // A saved position: resume there. A file there at the first start with no position: StartAt. A file that
        // appeared while running: from its start, so no line written before the first look is missed.
        var offset = saved.Remove(identity, out var position) ? position : first && options.StartAt == FileStart.End ? length : 0;
        LogFollowing(logger, path, identity.Key, offset);
        return new TailedFile(identity, handle, path, offset) { LastGrowth = time.GetUtcNow() };
    }

    private async Task ReadAsync(TailedFile file, CancellationToken cancellationToken)
    {
        var length = RandomAccess.GetLength(file.Handle);
        if (length < file.Offset)
        {
            LogTruncated(logger, file.Path, file.Offset, length);
            file.Offset = 0;
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
            _lines.Clear();
            var consumed = LineSplitter.Split(_buffer.AsMemory(0, filled), _lines);
            if (consumed == 0)
            {
                continue;
            }

            await SendAsync(file, file.Offset + consumed, cancellationToken).ConfigureAwait(false);
            file.Offset += consumed;
            _buffer.AsSpan(consumed, filled - consumed).CopyTo(_buffer);
            filled -= consumed;
        }

        if (file.GoneSince is not null && time.GetUtcNow() - file.LastGrowth >= GoneGrace)
        {
            // Renamed away or deleted, and done growing: its last line may lack a line break.
            _lines.Clear();
            LineSplitter.AddLast(_buffer.AsMemory(0, filled), _lines);
            await SendAsync(file, "", cancellationToken).ConfigureAwait(false);
            LogDone(logger, file.Path, file.Offset + filled);
            _files.Remove(file.Identity);
            file.Dispose();
        }
    }

    private Task SendAsync(TailedFile file, long position, CancellationToken cancellationToken) =>
        SendAsync(file, position.ToString(CultureInfo.InvariantCulture), cancellationToken);

    // An empty position forgets the file's checkpoint, once it is read to its end and gone.
    private Task SendAsync(TailedFile file, string position, CancellationToken cancellationToken) =>
        client.SendAsync(_lines, new SourceCheckpoint(file.Identity.Key, position), cancellationToken);

    [LoggerMessage(1, LogLevel.Information, "Tailing {Path} ({Identity}) from byte {Offset}")]
    private static partial void LogFollowing(ILogger logger, string path, string identity, long offset);

    [LoggerMessage(2, LogLevel.Warning, "{Path} is shorter ({Length} bytes) than the position read ({Offset}): truncated in place (copytruncate), read again from its start")]
    private static partial void LogTruncated(ILogger logger, string path, long offset, long length);

    [LoggerMessage(3, LogLevel.Information, "{Path} was rotated away or deleted and read to its end ({Length} bytes)")]
    private static partial void LogDone(ILogger logger, string path, long length);

    [LoggerMessage(4, LogLevel.Warning, "Cannot open {Path}: {Reason}; tried again at the next look")]
    private static partial void LogCannotOpen(ILogger logger, string path, string reason);
}
