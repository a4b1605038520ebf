using System.Collections.Concurrent;
using Orleans.EventPipeline.Grains.Ingest;

namespace Orleans.EventPipeline.Tests.Ingest;

public sealed class BatchIdsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 10, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void NewVersion7_TheRuntimesOwnLayout_TimeFirstThenVersion7AndTheRfcVariant()
    {
        var id = BatchIds.NewVersion7(At);
        var runtimes = Guid.CreateVersion7(At);

        // The first 12 hex digits are the milliseconds, the 13th the version: as the runtime writes them for that time.
        Assert.Equal(runtimes.ToString("N")[..13], id.ToString("N")[..13]);
        Assert.Equal(7, id.Version);
        Assert.InRange(id.Variant, 8, 11);
    }

    [Fact]
    public void NewVersion7_LaterMillisecond_SortsAfterInItsHexForm()
    {
        var earlier = Enumerable.Range(0, 300).Select(_ => BatchIds.NewVersion7(At).ToString("N"));
        var later = BatchIds.NewVersion7(At.AddMilliseconds(1)).ToString("N");

        Assert.All(earlier, id => Assert.True(string.CompareOrdinal(id, later) < 0, $"{id} sorts after {later}"));
    }

    [Fact]
    public void NewVersion7_ManyAtTheSameMillisecondOnSeveralThreads_AllDistinct_EachOfThe74RandomBitsVaries_VersionAndVariantInEvery()
    {
        const int Threads = 4, PerThread = 2_000;
        var ids = new ConcurrentBag<Guid>();
        var threads = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                ids.Add(BatchIds.NewVersion7(At));
            }
        })).ToList();
        threads.ForEach(static thread => thread.Start());
        threads.ForEach(static thread => thread.Join());

        // Over 8,000 ids of one time a random bit that never changes is a lost one (a chance of 2^-7999 if random):
        // every bit after the milliseconds but the version's 4 and the variant's 2 is seen both set and clear.
        var seenSet = new byte[16];
        var seenClear = new byte[16];
        foreach (var id in ids)
        {
            var bytes = id.ToByteArray(bigEndian: true);
            for (var i = 0; i < bytes.Length; i++)
            {
                seenSet[i] |= bytes[i];
                seenClear[i] |= (byte)~bytes[i];
            }
        }

        byte[] random = [0, 0, 0, 0, 0, 0, 0x0F, 0xFF, 0x3F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        Assert.Equal(Threads * PerThread, ids.Distinct().Count());
        Assert.Equal(random, seenSet.Zip(seenClear, random).Select(static b => (byte)(b.First & b.Second & b.Third)));
        Assert.All(ids, static id => Assert.Equal(7, id.Version));
        Assert.All(ids, static id => Assert.InRange(id.Variant, 8, 11));
    }

    [Fact]
    public void NewVersion7_BeforeTheUnixEpoch_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchIds.NewVersion7(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
}
