using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Grains.Ingest;

namespace Orleans.EventPipeline.Silo.Idempotency;

/// <summary>
/// Where Idempotency-Key records are forgotten. Each keyed batch leaves one record in grain storage
/// (<c>IdempotentIngestGrain</c>); without this they stayed for good, a row per batch. Every
/// <see cref="IngestOptions.IdempotencySweepInterval"/> the records past their use are deleted. A grain still active on
/// a deleted record writes it afresh at its next write.
/// </summary>
internal sealed partial class IdempotencyRecordSweeper(
    IIdempotencyRecordSweep sweep,
    IOptions<IngestOptions> options,
    TimeProvider timeProvider,
    ILogger<IdempotencyRecordSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.IdempotencySweepInterval;
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SweepOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo is stopping: what is left waits for the next start's sweep.
        }
    }

    /// <summary>One sweep; a failure is logged and the next sweep tries again.</summary>
    public async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        try
        {
            var deleted = await sweep.DeleteForgottenAsync(timeProvider.GetUtcNow(), cancellationToken);
            var elapsed = timeProvider.GetElapsedTime(started);
            if (deleted > 0)
            {
                LogSwept(logger, deleted, elapsed.TotalMilliseconds);
            }
            else
            {
                LogNothingToSweep(logger, elapsed.TotalMilliseconds);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogSweepFailed(logger, options.Value.IdempotencySweepInterval, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Idempotency-Key records past their use: {Deleted} deleted in {Milliseconds:F0} ms")]
    private static partial void LogSwept(ILogger logger, long deleted, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Idempotency-Key records past their use: none, looked in {Milliseconds:F0} ms")]
    private static partial void LogNothingToSweep(ILogger logger, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting Idempotency-Key records past their use failed; trying again in {Interval}")]
    private static partial void LogSweepFailed(ILogger logger, TimeSpan interval, Exception exception);
}
