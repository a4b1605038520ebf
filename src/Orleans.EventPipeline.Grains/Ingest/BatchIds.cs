using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>
/// A batch's id, a version 7 UUID (RFC 9562: the Unix time in milliseconds, then 74 random bits), like
/// <see cref="Guid.CreateVersion7(DateTimeOffset)"/> but with its random bits read from a per-thread buffer the
/// system's secure generator fills <see cref="BufferedIds"/> ids at a time. <see cref="Guid.NewGuid"/>, under
/// <c>CreateVersion7</c>, reads them from the kernel once per id: on this project's benchmark machine a system call
/// was 1.2 % of a silo's CPU at one-event requests (docs/PERFORMANCE.md, "Batch ids without a system call each").
/// </summary>
internal static class BatchIds
{
    private const int IdBytes = 16;

    /// <summary>256: 4 KiB a thread, one read of the generator per 256 requests.</summary>
    private const int BufferedIds = 256;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_next;

    /// <summary>A new id for a batch ingested at <paramref name="time"/>: ids of later milliseconds sort after it in their 32-hex-digit form.</summary>
    public static Guid NewVersion7(DateTimeOffset time)
    {
        var milliseconds = time.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(time));
        var random = t_random ??= new byte[IdBytes * BufferedIds];
        if (t_next == 0)
        {
            RandomNumberGenerator.Fill(random);
        }

        Span<byte> id = stackalloc byte[IdBytes];
        random.AsSpan(t_next, IdBytes).CopyTo(id);
        // Each id's random bytes are used once: the next id takes the next 16, the 257th a refilled buffer.
        t_next = (t_next + IdBytes) % random.Length;
        // Big-endian fields: 48 bits of milliseconds, the version (7) over the next 4, the variant (binary 10) over the
        // top 2 bits of byte 8; the other 74 bits stay random.
        BinaryPrimitives.WriteUInt16BigEndian(id, (ushort)(milliseconds >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(id[2..], (uint)milliseconds);
        id[6] = (byte)(id[6] & 0x0F | 0x70);
        id[8] = (byte)(id[8] & 0x3F | 0x80);
        return new Guid(id, bigEndian: true);
    }
}
