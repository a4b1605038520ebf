using System.Text;

namespace Orleans.EventPipeline.Client.Tests.Support;

/// <summary>Appends numbered JSON lines (<see cref="NumberedEvents"/>) to a log file as an application would, flushing each line.</summary>
internal sealed class LineWriter(string prefix) : IDisposable
{
    private FileStream? _stream;

    public int Written { get; private set; }

    public HashSet<string> Names => NumberedEvents.Names(prefix, 0, Written);

    /// <summary>Opens (creating) <paramref name="path"/> for appending; the previous stream, if any, is closed.</summary>
    public void Open(string path)
    {
        _stream?.Dispose();
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    public void Write(int lines)
    {
        for (var i = 0; i < lines; i++)
        {
            _stream!.Write(Encoding.UTF8.GetBytes($"{{\"n\":\"{NumberedEvents.Name(prefix, Written++)}\"}}\n"));
        }

        _stream!.Flush();
    }

    public void Dispose() => _stream?.Dispose();
}
