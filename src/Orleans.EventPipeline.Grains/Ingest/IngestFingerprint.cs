using System.Buffers.Binary;
using System.IO.Hashing;
using Orleans.EventPipeline.Ingest;

namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>
/// What a request carried, as 128 bits: the framing, the accepted events' bytes, and each refused
/// event's index and bytes. XxHash128 reads at memory speed (a 10 MB body costs about a millisecond),
/// and a collision only ever harms the tenant that crafted it.
/// </summary>
internal static class IngestFingerprint
{
    public static UInt128 Of(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var hash = new XxHash128();
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, (int)batch.Kind);
        hash.Append(number);
        hash.Append(batch.Frames.Span);
        foreach (var rejected in batch.Rejected)
        {
            BinaryPrimitives.WriteInt32LittleEndian(number, rejected.Index);
            hash.Append(number);
            hash.Append(rejected.Raw.Span);
        }

        return hash.GetCurrentHashAsUInt128();
    }
}
