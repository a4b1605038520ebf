using Orleans.EventPipeline.Silo.Gateway.Body;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>A body of unknown length, so HttpClient sends it chunked.</summary>
internal sealed class NonSeekableStream(byte[] bytes) : ReadOnlyStream
{
    private readonly MemoryStream _inner = new(bytes);

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1024));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
