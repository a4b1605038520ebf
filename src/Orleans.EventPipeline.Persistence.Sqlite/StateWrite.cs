namespace Orleans.EventPipeline.Persistence.Sqlite;

/// <summary>What a write does to a state's row.</summary>
internal enum StateWriteKind
{
    /// <summary>Creates the row unless it exists, at an ETag no earlier row of the file had.</summary>
    Insert,

    /// <summary>Replaces the payload if the row is at <see cref="StateWrite.ExpectedETag"/>.</summary>
    Update,

    /// <summary>Deletes the row if it is at <see cref="StateWrite.ExpectedETag"/>.</summary>
    Delete,

    /// <summary>
    /// Deletes at most <see cref="SqliteGrainStorage.MaxForgottenPerDelete"/> rows whose forget time is before
    /// <see cref="StateWrite.ForgetAfter"/>; the outcome is how many.
    /// </summary>
    DeleteForgotten,
}

/// <summary>
/// One write queued for <see cref="SqliteWriter"/>, and its outcome: the row's new ETag, or null when the row was not as
/// expected and nothing was written. Continuations run off the writer's thread.
/// </summary>
/// <param name="forgetAfter">Unix milliseconds after which the row may be deleted (null: kept); for <see cref="StateWriteKind.DeleteForgotten"/>, the present.</param>
internal sealed class StateWrite(StateWriteKind kind, string stateName, string grainId, byte[]? payload, long? expectedETag, long? forgetAfter = null)
    : TaskCompletionSource<long?>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public StateWriteKind Kind { get; } = kind;

    public string StateName { get; } = stateName;

    public string GrainId { get; } = grainId;

    public byte[]? Payload { get; } = payload;

    public long? ExpectedETag { get; } = expectedETag;

    public long? ForgetAfter { get; } = forgetAfter;
}
