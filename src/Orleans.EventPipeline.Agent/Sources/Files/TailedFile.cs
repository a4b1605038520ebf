using Microsoft.Win32.SafeHandles;

namespace Orleans.EventPipeline.Agent.Sources.Files;

/// <summary>A file being tailed: held open (so a rename does not lose it), and read up to <see cref="Offset"/>.</summary>
internal sealed class TailedFile(FileIdentity identity, SafeFileHandle handle, string path, long offset) : IDisposable
{
    public FileIdentity Identity { get; } = identity;

    public SafeFileHandle Handle { get; } = handle;

    /// <summary>The name it was last seen under.</summary>
    public string Path { get; set; } = path;

    /// <summary>Bytes taken so far: up to the end of the last line handed to the client.</summary>
    public long Offset { get; set; } = offset;

    /// <summary>When the glob stopped matching it (renamed away or deleted); null while it matches.</summary>
    public DateTimeOffset? GoneSince { get; set; }

    /// <summary>When it last had new bytes.</summary>
    public DateTimeOffset LastGrowth { get; set; }

    public void Dispose() => Handle.Dispose();
}
