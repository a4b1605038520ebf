namespace Orleans.EventPipeline.EventHubsEmulator.Amqp;

/// <summary>
/// The result of a link open that finished synchronously: the link factory wires a link up
/// without I/O (the partition logs are already open), so it completes the callback at once.
/// </summary>
internal sealed class CompletedOpenResult : IAsyncResult
{
    public CompletedOpenResult(AsyncCallback callback, object? state)
    {
        AsyncState = state;
        callback(this);
    }

    public object? AsyncState { get; }

    public WaitHandle AsyncWaitHandle => throw new NotSupportedException("The open has already completed; nothing to wait for.");

    public bool CompletedSynchronously => true;

    public bool IsCompleted => true;
}
