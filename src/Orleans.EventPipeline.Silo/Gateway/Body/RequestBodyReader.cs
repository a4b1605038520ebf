using System.IO.Compression;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Orleans.EventPipeline.Silo.Gateway.Framing;
using Orleans.EventPipeline.Silo.Gateway.Memory;
using ZstdSharp;

namespace Orleans.EventPipeline.Silo.Gateway.Body;

/// <summary>
/// Reads a request body, decompressing as it goes, and stops at the first byte over either limit:
/// an oversize or zip-bomb body costs at most the limit in memory, never its full size. A compressed
/// body must be whole: one cut short or followed by other bytes is a 400, not a batch of what came out.
/// </summary>
public static class RequestBodyReader
{
    private const int ChunkBytes = 64 * 1024;

    /// <summary>
    /// What a request is charged before its body is read: its first body buffer and the frames for a body of
    /// its declared size. A body that inflates or grows past that is charged more as it grows.
    /// </summary>
    public static long AdmissionBytes(HttpRequest request, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var initial = InitialCapacity(request, options);
        return PooledBuffer.ArrayBytesFor(initial) + PooledBuffer.ArrayBytesFor(FramedEvents.CapacityFor(initial - 1));
    }

    public static async Task<PooledBuffer> ReadAsync(HttpRequest request, GatewayOptions options, RequestMemoryLease? lease, CancellationToken cancellationToken)
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
            "gzip" or "x-gzip" or "zstd" => Decompressing(wire, encoding),
            _ => throw IngestProblemException.Unsupported($"Content-Encoding {QuotedValue.Of(encoding)} is not supported; use gzip, zstd or none."),
        };

        // The buffer is taken, and charged to the request, before a byte is read.
        var limit = (int)options.MaxDecompressedBytes;
        var buffer = new PooledBuffer(InitialCapacity(request, options), limit + 1, lease);
        try
        {
            while (true)
            {
                // Free space is used up before the buffer grows (a body of its declared size never grows it);
                // at most one byte over the limit is read: enough to tell the body is too large.
                var room = buffer.Free > 0 ? 1 : Math.Min(ChunkBytes, limit + 1 - buffer.Length);
                var read = await ReadChunkAsync(source, buffer.GetMemory(room), encoding, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                buffer.Advance(read);
                if (buffer.Length > limit)
                {
                    throw IngestProblemException.TooLarge($"The decompressed body exceeds {limit} bytes. Send smaller batches.");
                }
            }

            if (!ReferenceEquals(source, wire))
            {
                await EnsureWholeAsync(wire, buffer.Memory, encoding, cancellationToken);
            }
            else if (CompressedWithoutSaying(buffer.Memory, limit) is { } compressed)
            {
                throw IngestProblemException.BadFraming($"The body is {compressed} data (it begins with {compressed}'s magic number), but the request has no Content-Encoding: {compressed}. Send it with that header, or uncompressed.");
            }

            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The encoding a body sent as is was compressed with: it begins with gzip's 1F 8B and method 08 or zstd's frame magic
    /// 28 B5 2F FD, and it is that format from its first byte to its last: one gzip member whose trailer names the CRC-32
    /// and length of what came out, or zstd frames to the end. Such a body was a client's missing header: its "events"
    /// were refused one by one as not UTF-8 and kept as dead letters of compressed bytes, under a 200 (helper-140). A body
    /// that only begins so (a first line of binary, a forwarded gzip-compressed GELF datagram, with text after it) is read
    /// as events, that line refused alone: the magic alone, and then its first byte decompressing, refused such a whole
    /// batch (helper-142, helper-143). Decompressed here only to be counted, at most <paramref name="limit"/> bytes, as a
    /// body sent with the header would be; beyond that it is a compressed body whatever its end.
    /// </summary>
    private static string? CompressedWithoutSaying(ReadOnlyMemory<byte> body, long limit)
    {
        var span = body.Span;
        var encoding = span.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B, 0x08]) ? "gzip"
            : span.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]) ? "zstd"
            : null;
        if (encoding is null)
        {
            return null;
        }

        var bytes = MemoryMarshal.TryGetArray(body, out var segment) ? segment : new ArraySegment<byte>(body.ToArray());
        using var input = new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false);
        using var decoder = Decompressing(input, encoding);
        var crc = new Crc32();
        var sink = new byte[16 * 1024];
        long length = 0;
        try
        {
            int read;
            while ((read = decoder.Read(sink)) > 0)
            {
                length += read;
                if (length > limit)
                {
                    return encoding;
                }

                crc.Append(sink.AsSpan(0, read));
            }
        }
        catch (Exception exception) when (exception is InvalidDataException or ZstdException or EndOfStreamException)
        {
            return null;
        }

        // .NET's gzip reader stops silently inside a member and skips what follows one (GzipTrailer): whole only when
        // the body's last bytes are the trailer of all that came out.
        return encoding == "zstd" || GzipTrailer.Read(span) is { } trailer && trailer.Crc == crc.GetCurrentHashAsUInt32() && trailer.Length == (uint)length
            ? encoding
            : null;
    }

    /// <summary>The decompressor of <paramref name="encoding"/> (gzip, x-gzip or zstd) over <paramref name="compressed"/>, left open.</summary>
    private static Stream Decompressing(Stream compressed, string encoding) =>
        encoding == "zstd" ? new DecompressionStream(compressed, leaveOpen: true) : new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);

    // The declared size plus one byte, so the read that finds the end needs no larger buffer.
    private static int InitialCapacity(HttpRequest request, GatewayOptions options) =>
        (int)Math.Min((request.ContentLength ?? ChunkBytes) + 1, options.MaxDecompressedBytes + 1);

    /// <summary>
    /// The decompressor said "end": the body must end there too, and a gzip body's last bytes must be the trailer of
    /// the data that came out last (<see cref="GzipTrailer"/>).
    /// </summary>
    private static async Task EnsureWholeAsync(WireLimitStream wire, ReadOnlyMemory<byte> decompressed, string encoding, CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        if (await wire.ReadAsync(probe, cancellationToken) > 0)
        {
            throw IngestProblemException.BadFraming($"The body has bytes after the end of its {encoding} data: send only the compressed data.");
        }

        if (encoding is "gzip" or "x-gzip" && !EndsWithTrailerOf(wire.Tail, decompressed.Span))
        {
            throw IngestProblemException.BadFraming($"The {encoding} body is cut short or has bytes after its last member: its last {GzipTrailer.Bytes} bytes are not the trailer (CRC-32 and length) of its data. Send the whole compressed body and nothing after it.");
        }
    }

    // The decompressed limit is under 4 GiB, so the length field is the last member's exact length.
    private static bool EndsWithTrailerOf(ReadOnlySpan<byte> tail, ReadOnlySpan<byte> decompressed) =>
        GzipTrailer.Read(tail) is { } trailer
        && trailer.Length <= (uint)decompressed.Length
        && Crc32.HashToUInt32(decompressed[^(int)trailer.Length..]) == trailer.Crc;

    private static async Task<int> ReadChunkAsync(Stream source, Memory<byte> destination, string encoding, CancellationToken cancellationToken)
    {
        try
        {
            return await source.ReadAsync(destination, cancellationToken);
        }
        catch (InvalidDataException)
        {
            // .NET's own words ("The archive entry was compressed using an unsupported compression method") are about zip files.
            throw IngestProblemException.BadFraming($"The body is not valid {encoding}: it does not begin with {encoding}'s header or its compressed data is damaged. Send it compressed as Content-Encoding says, or without Content-Encoding.");
        }
        catch (ZstdException exception)
        {
            throw IngestProblemException.BadFraming($"The body is not valid zstd: {exception.Message}");
        }
        catch (EndOfStreamException) when (encoding == "zstd")
        {
            throw IngestProblemException.BadFraming("The zstd body is cut short: it ends inside a frame. Send the whole compressed body.");
        }
    }
}
