using Orleans.EventPipeline.Grains.Ingest;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Tests.Ingest;

/// <summary>When an Idempotency-Key record may be deleted, and the batch ids of a key's rounds.</summary>
public sealed class IdempotencyRecordTests
{
    private static readonly DateTimeOffset Started = new(2026, 12, 5, 20, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ForgetAfter_AnAnswer_IsTheEndOfItsWindow()
    {
        var record = new IdempotencyRecord
        {
            AttemptStartedAt = Started,
            Result = new IngestResult(IngestOutcome.Stored, Guid.NewGuid(), 1, [], null, null, false),
            ExpiresAt = Started + TimeSpan.FromMinutes(3),
        };

        Assert.Equal(Started + TimeSpan.FromMinutes(3), record.ForgetAfter());
    }

    [Fact]
    public void ForgetAfter_AnAttemptWithoutAnswer_IsTwiceTheLongestWindowAfterItStarted()
    {
        var record = new IdempotencyRecord { AttemptStartedAt = Started, ExpiresAt = Started };

        // Not the window's end: a retry still needs the mark that its first attempt may be stored.
        Assert.Equal(Started + (2 * TenantSettings.MaxIdempotencyWindow), record.ForgetAfter());
        Assert.Equal(TimeSpan.FromDays(14), IdempotencyRecord.LongestKept);
        Assert.Null(new IdempotencyRecord().ForgetAfter());
    }

    [Fact]
    public void BatchIdFor_ARound_IsTheSameForItsRetriesAndOtherForTheNextRound()
    {
        var first = IdempotentIngestGrain.BatchIdFor("tenant/key", Started);

        Assert.Equal(first, IdempotentIngestGrain.BatchIdFor("tenant/key", Started));
        Assert.NotEqual(first, IdempotentIngestGrain.BatchIdFor("tenant/key", Started + TimeSpan.FromMinutes(1)));
        Assert.NotEqual(first, IdempotentIngestGrain.BatchIdFor("tenant/other", Started));
        Assert.NotEqual(first, IdempotentIngestGrain.BatchIdFor("tenant/key", roundStartedAt: null));
    }

    [Theory]
    [InlineData("eventpipeline", "eventpipeline_idempotentingest_")]
    [InlineData("svc/one#two?three\\four", "svc_one_two_three_four_idempotentingest_")]
    public void KeyRangeStart_IsTheServicesRecordsPartitionKeys_AsOrleansWritesThem(string serviceId, string expected) =>
        Assert.Equal(expected, Orleans.EventPipeline.Silo.Idempotency.AzureTableIdempotencyRecordSweep.KeyRangeStart(serviceId));
}
