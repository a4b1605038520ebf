using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>
/// The id of a batch sent without an Idempotency-Key (a keyed one's comes from its key,
/// <see cref="IdempotentIngestGrain.BatchIdFor"/>): a version 7 UUID (RFC 9562: the Unix time in milliseconds, then
/// 74 random bits), like <see cref="Guid.CreateVersion7(DateTimeOffset)"/> but with its random bits from a per-thread
/// buffer that <see cref="RandomNumberGenerator"/> fills <see cref="BufferedIds"/> ids at a time. On Linux
/// <see cref="Guid.NewGuid"/>, under <c>CreateVersion7</c>, reads the kernel's random device, a system call per id, and
/// <see cref="RandomNumberGenerator"/> is OpenSSL's generator, whose every call locks and runs its generator: either,
/// once per one-event request, was about 1.2 % of a silo's CPU on this project's benchmark machine, the buffer about
/// 0.2 % (docs/PERFORMANCE.md, "Batch ids without a system call each").
/// </summary>
internal static class BatchIds
{
    private const int IdBytes = 16;

    /// <summary>256: 4 KiB a thread, one call of the generator per 256 ids.</summary>
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
        // Each id's random bytes are used once (nothing runs on this thread between the copy and this): the next id
        // takes the next 16, the 257th a refilled buffer.
        t_next = (t_next + IdBytes) % random.Length;
        // Big-endian fields: 48 bits of milliseconds, the version (7) over the next 4, the variant (binary 10) over the
        // top 2 bits of byte 8; the other 74 bits stay random.
        BinaryPrimitives.WriteUInt16BigEndian(id, (ushort)(milliseconds >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(id[2..], (uint)milliseconds);
        id[6] = (byte)((id[6] & 0x0F) | 0x70);
        id[8] = (byte)((id[8] & 0x3F) | 0x80);
        return new Guid(id, bigEndian: true);
    }
}
