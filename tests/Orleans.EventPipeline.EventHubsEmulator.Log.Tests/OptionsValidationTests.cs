using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Validate_Defaults_HasNoFailures() => Assert.Empty(new PartitionLogOptions().Validate());

    [Fact]
    public void Validate_EveryBadSetting_ReportsEachByNameWithAFix()
    {
        var options = new PartitionLogOptions
        {
            SegmentBytes = 10,
            RetentionAge = TimeSpan.Zero,
            RetentionBytes = 0,
            RetentionCheckInterval = TimeSpan.FromSeconds(-5),
            MaxRecordBytes = 0,
            IndexIntervalBytes = 1,
            TailCacheBytes = -1,
            TailCacheIdleRelease = TimeSpan.Zero,
        };

        var failures = options.Validate();

        Assert.Equal(8, failures.Count);
        foreach (var setting in new[] { "SegmentBytes", "RetentionAge", "RetentionBytes", "RetentionCheckInterval", "MaxRecordBytes", "IndexIntervalBytes", "TailCacheBytes", "TailCacheIdleRelease" })
        {
            Assert.Contains(failures, f => f.Contains("PartitionLogOptions." + setting, StringComparison.Ordinal) && f.Contains("set", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task OpenAsync_InvalidOptions_ThrowsBeforeTouchingTheDirectory()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "partition-0");

        var exception = await Assert.ThrowsAsync<ArgumentException>(() => PartitionLog.OpenAsync(path, new PartitionLogOptions { SegmentBytes = 1 }));

        Assert.Contains("SegmentBytes", exception.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(path));
    }
}
