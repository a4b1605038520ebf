using Orleans.EventPipeline.IO;
namespace Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

/// <summary>The production factory: plain files accessed with <see cref="RandomAccess"/>.</summary>
public sealed class FileSegmentFileFactory : ISegmentFileFactory
{
    public static FileSegmentFileFactory Instance { get; } = new();

    private FileSegmentFileFactory()
    {
    }

    public ISegmentFile Open(string path)
    {
        // Share read/write/delete so tools can inspect a live log and retention can unlink a
        // segment that a reader still has open; the directory lock keeps out a second writer.
        var created = !File.Exists(path);
        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        if (created)
        {
            DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }

        return new FileSegmentFile(handle, path);
    }
}
