using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;
using Orleans.EventPipeline.Silo.Gateway.Body;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// The gateway's body limits on OTLP/gRPC, from the same settings as every HTTP front: at most
/// <see cref="GatewayOptions.MaxBodyBytes"/> on the wire and <see cref="GatewayOptions.MaxDecompressedBytes"/>
/// once decompressed. Over either, RESOURCE_EXHAUSTED naming the setting, without RetryInfo: OTLP clients do not
/// retry it. A gzip message that does not decompress is INVALID_ARGUMENT. Grpc.AspNetCore reads and decompresses
/// the message before the service runs, so these are a request body wrapper and its gzip provider, which throw
/// the <see cref="RpcException"/> it answers with.
/// </summary>
internal static class OtlpGrpcLimits
{
    /// <summary>The gRPC prefix of a message: a compressed flag and a 4-byte length.</summary>
    public const int MessagePrefixBytes = 5;

    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The request body, failing past one message of <see cref="GatewayOptions.MaxBodyBytes"/> and its prefix.</summary>
    public static Stream LimitBody(Stream body, GatewayOptions options) =>
        new WireLimitStream(body, options.MaxBodyBytes + MessagePrefixBytes, static limit => new RpcException(new Status(StatusCode.ResourceExhausted,
            $"The message exceeds {limit - MessagePrefixBytes} bytes on the wire ({GatewayOptions.SectionName}:{nameof(GatewayOptions.MaxBodyBytes)}). Send smaller batches.")));

    /// <summary>gzip, as gRPC's own provider, with the decompressed limit and bad data answered as the client's error.</summary>
    internal sealed class Gzip(long maxDecompressedBytes) : ICompressionProvider
    {
        public string EncodingName => "gzip";

        public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
            new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

        public Stream CreateDecompressionStream(Stream stream) => new Inflating(new GZipStream(stream, CompressionMode.Decompress), maxDecompressedBytes);
    }

    /// <summary>Grpc.AspNetCore copies the decompressed message whole (synchronously, from memory): this counts and stops it.</summary>
    private sealed class Inflating(GZipStream gzip, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

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

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

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
