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

    /// <param name="padding">Random hex characters each line carries besides its name: lines that do not compress.</param>
    public void Write(int lines, int padding = 0)
    {
        for (var i = 0; i < lines; i++)
        {
            var pad = padding == 0 ? "" : $",\"pad\":\"{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes((padding + 1) / 2))[..padding]}\"";
            _stream!.Write(Encoding.UTF8.GetBytes($"{{\"n\":\"{NumberedEvents.Name(prefix, Written++)}\"{pad}}}\n"));
        }

        _stream!.Flush();
    }

    public void Dispose() => _stream?.Dispose();
}
