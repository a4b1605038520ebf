namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

/// <summary>Deterministic payloads: the bytes of record <c>i</c> are derived from <c>i</c>, so a read-back can be checked.</summary>
internal static class Payloads
{
    public static byte[] For(long index, int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)((index * 31) + i);
        }

        return bytes;
    }

    public static IReadOnlyList<ReadOnlyMemory<byte>> Batch(long firstIndex, int count, int size)
    {
        var batch = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++)
        {
            batch[i] = For(firstIndex + i, size);
        }

        return batch;
    }

    public static IReadOnlyList<ReadOnlyMemory<byte>> One(long index, int size) => [For(index, size)];
}
