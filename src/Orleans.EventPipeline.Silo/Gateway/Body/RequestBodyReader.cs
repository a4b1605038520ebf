using System.IO.Compression;
using ZstdSharp;

namespace Orleans.EventPipeline.Silo.Gateway.Body;

/// <summary>
/// Reads a request body, decompressing as it goes, and stops at the first byte over either limit:
/// an oversize or zip-bomb body costs at most the limit in memory, never its full size.
/// </summary>
public static class RequestBodyReader
{
    private const int ChunkBytes = 64 * 1024;

    public static async Task<PooledBuffer> ReadAsync(HttpRequest request, GatewayOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        if (request.ContentLength > options.MaxBodyBytes)
        {
            throw IngestProblemException.TooLarge($"The body is {request.ContentLength} bytes; the limit is {options.MaxBodyBytes} bytes. Send smaller batches.");
        }

        var encoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        var wire = new WireLimitStream(request.Body, options.MaxBodyBytes);
        await using var source = encoding switch
        {
            "" or "identity" => (Stream)wire,
            "gzip" or "x-gzip" => new GZipStream(wire, CompressionMode.Decompress, leaveOpen: true),
            "zstd" => new DecompressionStream(wire, leaveOpen: true),
            _ => throw IngestProblemException.Unsupported($"Content-Encoding '{encoding}' is not supported; use gzip, zstd or none."),
        };

        var limit = (int)options.MaxDecompressedBytes;
        var buffer = new PooledBuffer((int)Math.Min(request.ContentLength ?? ChunkBytes, limit));
        try
        {
            while (true)
            {
                var read = await ReadChunkAsync(source, buffer.GetMemory(ChunkBytes), encoding, cancellationToken);
                if (read == 0)
                {
                    return buffer;
                }

                buffer.Advance(read);
                if (buffer.Length > limit)
                {
                    throw IngestProblemException.TooLarge($"The decompressed body exceeds {limit} bytes. Send smaller batches.");
                }
            }
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    private static async Task<int> ReadChunkAsync(Stream source, Memory<byte> destination, string encoding, CancellationToken cancellationToken)
    {
        try
        {
            return await source.ReadAsync(destination, cancellationToken);
        }
        catch (InvalidDataException exception)
        {
            throw IngestProblemException.BadFraming($"The body is not valid {encoding}: {exception.Message}");
        }
        catch (ZstdException exception)
        {
            throw IngestProblemException.BadFraming($"The body is not valid zstd: {exception.Message}");
        }
    }
}
