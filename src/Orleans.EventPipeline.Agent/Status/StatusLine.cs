using System.Globalization;
using Orleans.EventPipeline.Client;

namespace Orleans.EventPipeline.Agent.Status;

/// <summary>
/// The live status line: events/s taken from sources, batches and bytes spooled, the spool's files on disk (what counts
/// in MaxSpoolBytes) and its <c>.damaged</c> files, events acknowledged, and whether a batch is being retried. Rewritten in place on a terminal, one line per interval otherwise (a log).
/// </summary>
internal sealed class StatusLine(IReadOnlyCollection<EventPipelineClient> clients, TextWriter output, bool terminal, TimeProvider time)
{
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        var last = Sum();
        var lastAt = time.GetTimestamp();
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
                var now = Sum();
                var seconds = time.GetElapsedTime(lastAt).TotalSeconds;
                lastAt = time.GetTimestamp();
                var rate = seconds > 0 ? (now.Queued - last.Queued) / seconds : 0;
                last = now;
                var text = string.Create(CultureInfo.InvariantCulture,
                    $"events/s {rate:N0} | spooled {now.Batches} batches, {now.Bytes / 1024.0:N0} KiB | on disk {now.Disk / 1024.0:N0} KiB, damaged {now.DamagedFiles} files, {now.Damaged / 1024.0:N0} KiB | acknowledged {now.Acknowledged:N0} | rejected {now.Rejected:N0} | retrying {(now.Retrying ? "yes" : "no")}");
                await output.WriteAsync(terminal ? $"\r{text}\u001b[K" : text + Environment.NewLine).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (terminal)
            {
                await output.WriteLineAsync().ConfigureAwait(false);
            }
        }
    }

    private (long Queued, long Acknowledged, long Rejected, int Batches, long Bytes, long Disk, int DamagedFiles, long Damaged, bool Retrying) Sum()
    {
        (long Queued, long Acknowledged, long Rejected, int Batches, long Bytes, long Disk, int DamagedFiles, long Damaged, bool Retrying) sum = default;
        foreach (var client in clients)
        {
            var s = client.Statistics;
            sum = (sum.Queued + s.EventsQueued, sum.Acknowledged + s.EventsAcknowledged, sum.Rejected + s.EventsRejected + s.EventsFailed, sum.Batches + s.SpooledBatches,
                sum.Bytes + s.SpooledBytes, sum.Disk + s.SpoolDiskBytes, sum.DamagedFiles + s.DamagedFiles, sum.Damaged + s.DamagedBytes, sum.Retrying || s.Retrying);
        }

        return sum;
    }
}
