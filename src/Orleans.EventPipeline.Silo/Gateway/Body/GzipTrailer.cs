using System.Buffers.Binary;

namespace Orleans.EventPipeline.Silo.Gateway.Body;

/// <summary>
/// A gzip member ends with the CRC-32 and the length (mod 2^32) of its data, 4 bytes each (RFC 1952 §2.3). .NET's gzip
/// reader stops silently at the end of its input even inside a member, and ignores bytes after a member that do not
/// start another, so a body is whole only when its last bytes are the trailer of the data that came out last.
/// </summary>
internal static class GzipTrailer
{
    public const int Bytes = 8;

    /// <summary>The CRC-32 and length a body's last <see cref="Bytes"/> bytes name; null for a shorter body.</summary>
    public static (uint Crc, uint Length)? Read(ReadOnlySpan<byte> tail) =>
        tail.Length < Bytes
            ? null
            : (BinaryPrimitives.ReadUInt32LittleEndian(tail[^Bytes..]), BinaryPrimitives.ReadUInt32LittleEndian(tail[^4..]));
}
