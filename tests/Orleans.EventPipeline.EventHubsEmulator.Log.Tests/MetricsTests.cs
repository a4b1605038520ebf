using System.Diagnostics.Metrics;
using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task AppendAsync_EachGroupCommit_ReportsCommitAndRecordsTaggedWithThePartition()
    {
        using var directory = new TempDirectory();
        var partition = Path.GetFileName(directory.Path);
        long commits = 0, records = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PartitionLog.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (!tags.ToArray().Contains(new KeyValuePair<string, object?>("partition", partition)))
            {
                return;
            }

            if (instrument.Name == "eventhubs_emulator.log.commits")
            {
                Interlocked.Add(ref commits, value);
            }
            else if (instrument.Name == "eventhubs_emulator.log.records_appended")
            {
                Interlocked.Add(ref records, value);
            }
        });
        listener.Start();
        await using var log = await PartitionLog.OpenAsync(directory.Path);

        await log.AppendAsync(Payloads.Batch(0, 3, 10));
        await log.AppendAsync(Payloads.Batch(3, 4, 10));

        Assert.Equal(2, Interlocked.Read(ref commits));
        Assert.Equal(7, Interlocked.Read(ref records));
    }
}
