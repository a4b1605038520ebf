namespace Orleans.EventPipeline.Silo.Idempotency;

/// <summary>Deletes the Idempotency-Key records no request can need any more, in the grain storage of the silo's mode.</summary>
internal interface IIdempotencyRecordSweep
{
    /// <summary>Deletes the records past their use at <paramref name="now"/>; returns how many went.</summary>
    Task<long> DeleteForgottenAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
