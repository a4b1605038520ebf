using System.IO.Compression;
using System.IO.Hashing;
using Grpc.Core;
using Grpc.Net.Compression;
using Orleans.EventPipeline.Silo.Gateway.Body;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// The gateway's body limits on OTLP/gRPC, from the same settings as every HTTP front: at most
/// <see cref="GatewayOptions.MaxBodyBytes"/> on the wire and <see cref="GatewayOptions.MaxDecompressedBytes"/>
/// once decompressed. Over either, RESOURCE_EXHAUSTED naming the setting, without RetryInfo: OTLP clients do not
/// retry it. A gzip message that does not decompress, or is not whole, is INVALID_ARGUMENT. Grpc.AspNetCore reads
/// and decompresses the message before the service runs, so these are a request body wrapper and its gzip
/// provider, which throw the <see cref="RpcException"/> it answers with.
/// </summary>
internal static class OtlpGrpcLimits
{
    /// <summary>The gRPC prefix of a message: a compressed flag and a 4-byte length.</summary>
    public const int MessagePrefixBytes = 5;

    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// The request body, failing past one message of <see cref="GatewayOptions.MaxBodyBytes"/> and its prefix, and at
    /// a prefix that announces a larger message or a compressed flag gRPC does not have, before the message is read:
    /// Grpc.AspNetCore answers those UNKNOWN ("Exception was thrown by handler"), naming nothing.
    /// </summary>
    public static Stream LimitBody(Stream body, GatewayOptions options) =>
        new WireLimitStream(new PrefixCheck(body, options.MaxBodyBytes), options.MaxBodyBytes + MessagePrefixBytes, static limit => MessageTooLarge(limit - MessagePrefixBytes));

    private static RpcException MessageTooLarge(long maxBodyBytes) => new(new Status(StatusCode.ResourceExhausted,
        $"The message exceeds {maxBodyBytes} bytes on the wire ({GatewayOptions.SectionName}:{nameof(GatewayOptions.MaxBodyBytes)}). Send smaller batches."));

    /// <summary>Checks the first message's prefix (a compressed flag of 0 or 1, a 4-byte big-endian length) as it passes.</summary>
    private sealed class PrefixCheck(Stream inner, long maxBodyBytes) : RequestBodyStream
    {
        private readonly byte[] _prefix = new byte[MessagePrefixBytes];
        private int _seen;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            if (_seen < MessagePrefixBytes && read > 0)
            {
                var take = Math.Min(read, MessagePrefixBytes - _seen);
                buffer.Span[..take].CopyTo(_prefix.AsSpan(_seen));
                _seen += take;
                if (_seen == MessagePrefixBytes)
                {
                    Check();
                }
            }

            return read;
        }

        private void Check()
        {
            if (_prefix[0] > 1)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"The message's compressed flag is {_prefix[0]}: gRPC's is 0 (not compressed) or 1 (compressed with grpc-encoding)."));
            }

            if (System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(_prefix.AsSpan(1)) > maxBodyBytes)
            {
                throw MessageTooLarge(maxBodyBytes);
            }
        }
    }

    /// <summary>
    /// gzip, as gRPC's own provider, with the decompressed limit, and bad or partial data answered as the client's error:
    /// gRPC compresses each message as one gzip member, which must end with the trailer of all that came out
    /// (<see cref="GzipTrailer"/>); the reader alone would hand on what came out of a message cut short.
    /// </summary>
    internal sealed class Gzip(long maxDecompressedBytes) : ICompressionProvider
    {
        public string EncodingName => "gzip";

        public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
            new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

        public Stream CreateDecompressionStream(Stream stream)
        {
            var compressed = new TailKeeping(stream);
            return new Inflating(new GZipStream(compressed, CompressionMode.Decompress), compressed.Tail, maxDecompressedBytes);
        }
    }

    /// <summary>The compressed message as read, keeping its last bytes for the trailer.</summary>
    private sealed class TailKeeping(Stream inner) : ReadOnlyStream
    {
        public ByteTail Tail { get; } = new();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            Tail.Keep(buffer[..read]);
            return read;
        }
    }

    /// <summary>Grpc.AspNetCore copies the decompressed message whole (synchronously, from memory): this counts and stops it, and checks it is whole.</summary>
    private sealed class Inflating(GZipStream gzip, ByteTail compressedTail, long limit) : ReadOnlyStream
    {
        private readonly Crc32 _crc = new();
        private long _read;

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = gzip.Read(buffer);
            }
            catch (InvalidDataException exception)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"The message is not valid gzip: {exception.Message}"));
            }

            _read += read;
            if (_read > limit)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"The decompressed message exceeds {limit} bytes ({GatewayOptions.SectionName}:{nameof(GatewayOptions.MaxDecompressedBytes)}). Send smaller batches."));
            }

            _crc.Append(buffer[..read]);
            if (read == 0 && buffer.Length > 0
                && !(GzipTrailer.Read(compressedTail.Span) is { } trailer && trailer.Length == (uint)_read && trailer.Crc == _crc.GetCurrentHashAsUInt32()))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"The message is not whole gzip: its last {GzipTrailer.Bytes} bytes are not the trailer (CRC-32 and length) of all its data, so it is cut short, has bytes after its end, or has more than one gzip member. Send each message as one whole gzip member."));
            }

            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                gzip.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
