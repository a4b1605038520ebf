namespace Orleans.EventPipeline.EventHubsEmulator.Log.Commit;

/// <summary>One <c>AppendAsync</c> call waiting for the group commit that makes its records durable.</summary>
internal readonly record struct CommitWaiter(TaskCompletionSource<AppendResult> Completion, AppendResult Result);
