using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Processing.Tests.Archive;

public sealed class ArchiveObjectNameTests
{
    private static readonly DateTimeOffset Time = new(2024, 5, 1, 13, 47, 12, TimeSpan.FromHours(2));

    [Fact]
    public void Name_FromPositions_HasTenantHourLayoutAndPaddedSequences()
    {
        var name = new ArchiveObjectName("tenant-a", ArchiveObjectName.TruncateToHour(Time), "tenant-a#3", 42, 1234);

        Assert.Equal("tenant-a/2024/05/01/11/tenant-a#3-00000000000000000042-00000000000000001234.ndjson.zst", name.Name);
    }

    [Fact]
    public void Name_SamePositions_IsTheSameName()
    {
        var first = new ArchiveObjectName("t", ArchiveObjectName.TruncateToHour(Time), "t", 7, 9);
        var replay = new ArchiveObjectName("t", ArchiveObjectName.TruncateToHour(Time.AddMinutes(5)), "t", 7, 9);

        Assert.Equal(first.Name, replay.Name);
    }

    [Fact]
    public void TryParse_Name_RoundTrips()
    {
        var name = new ArchiveObjectName("tenant-a", ArchiveObjectName.TruncateToHour(Time), "tenant-a#1", 0, long.MaxValue);

        Assert.True(ArchiveObjectName.TryParse(name.Name, out var parsed));
        Assert.Equal(name, parsed);
    }

    [Theory]
    [InlineData("tenant-a/2024/05/01/11/x-1-2.ndjson.zst")]
    [InlineData("tenant-a/2024/05/01/11/tenant-a-00000000000000000001-00000000000000000002.ndjson.zst.1234.tmp")]
    [InlineData("tenant-a/2024/13/01/11/tenant-a-00000000000000000001-00000000000000000002.ndjson.zst")]
    public void TryParse_OtherFiles_ReturnsFalse(string name)
    {
        Assert.False(ArchiveObjectName.TryParse(name, out _));
    }
}
