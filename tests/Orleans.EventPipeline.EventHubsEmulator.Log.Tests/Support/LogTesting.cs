namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

internal static class LogTesting
{
    /// <summary>Bounds every wait in the tests, so a bug fails a test instead of hanging the run.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public const int HeaderBytes = 48;

    public static PartitionLogOptions SmallSegments(int segmentBytes = 4096) => new()
    {
        SegmentBytes = segmentBytes,
        IndexIntervalBytes = 512,
        RetentionCheckInterval = System.Threading.Timeout.InfiniteTimeSpan,
    };

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after <see cref="Timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {Timeout.TotalSeconds} s.");
            await Task.Delay(1);
        }
    }

    public static async Task<List<LogRecord>> ReadAllAsync(PartitionLog log, long from = 0)
    {
        var records = new List<LogRecord>();
        while (await log.ReadAsync(from, 100, records) is var count and > 0)
        {
            from = records[^1].SequenceNumber + 1;
        }

        return records;
    }

    /// <summary>Asserts <paramref name="records"/> are exactly sequence numbers first..first+count-1, in order, with the payloads Payloads.For wrote.</summary>
    public static void AssertRecords(IReadOnlyList<LogRecord> records, long first, int count, int size)
    {
        Assert.Equal(count, records.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(first + i, records[i].SequenceNumber);
            Assert.Equal(Payloads.For(first + i, size), records[i].Payload.ToArray());
            if (i > 0)
            {
                Assert.True(records[i].Offset > records[i - 1].Offset, "Offsets must increase.");
            }
        }
    }

    /// <summary>The segment file holding <paramref name="offset"/> and the record's byte position in it (file names carry the base offset).</summary>
    public static (string Path, long Position) Locate(TempDirectory directory, long offset)
    {
        var (path, baseOffset) = directory.SegmentFiles()
            .Select(p => (Path: p, BaseOffset: long.Parse(System.IO.Path.GetFileNameWithoutExtension(p).Split('-')[1], System.Globalization.CultureInfo.InvariantCulture)))
            .Last(s => s.BaseOffset <= offset);
        return (path, offset - baseOffset);
    }

    public static void FlipByte(string path, long position)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        stream.Position = position;
        var value = stream.ReadByte();
        stream.Position = position;
        stream.WriteByte((byte)(value ^ 0x5A));
    }
}
