using System.Diagnostics;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;

namespace Orleans.EventPipeline.Streaming.EventHubs;

/// <summary>
/// Sends a partition key's messages as a group commit: while one send of the key is in flight, the
/// messages written to that key wait, and go together in the next send (one AMQP transfer, one append
/// and fsync in the hub) as soon as it returns. A key with nothing in flight sends at once, so a lone
/// request waits for nothing; under concurrency a batch of 1 event no longer pays a send of its own
/// (the emulator's and the SDK's per-send cost was a third of a one-event request's silo CPU). Each
/// message stays its own Event Hubs message, with its own sequence number, in the order written.
/// </summary>
/// <remarks>
/// A group is cut where the hub's size limit for one send falls (<see cref="EventDataBatch"/>); a
/// failed send fails exactly the writes it carried, each with the send's exception, and none is
/// retried here (see <see cref="PipelineEventHubAdapterFactory.QueueMessageBatchAsync"/>).
/// </remarks>
public sealed class GroupCommitSender(EventHubProducerClient client)
{
    private readonly Lock _lock = new();

    // A key is here while a send of it is in flight; its list holds the writes for the next send.
    private readonly Dictionary<string, List<Write>> _waiting = new(StringComparer.Ordinal);

    /// <summary>Completes when the hub has stored <paramref name="message"/>; fails with the send's exception when it did not.</summary>
    public Task SendAsync(EventData message, string partitionKey)
    {
        var write = new Write(message);
        lock (_lock)
        {
            if (_waiting.TryGetValue(partitionKey, out var next))
            {
                next.Add(write);
                return write.Stored.Task;
            }

            _waiting.Add(partitionKey, []);
        }

        _ = SendGroupsAsync(partitionKey, [write]);
        return write.Stored.Task;
    }

    private async Task SendGroupsAsync(string partitionKey, List<Write> group)
    {
        while (true)
        {
            await SendGroupAsync(partitionKey, group).ConfigureAwait(false);
            lock (_lock)
            {
                var next = _waiting[partitionKey];
                if (next.Count == 0)
                {
                    _waiting.Remove(partitionKey);
                    return;
                }

                _waiting[partitionKey] = [];
                group = next;
            }

            // The first group went under its writer's trace; later ones carry many writers' messages.
            Activity.Current = null;
        }
    }

    /// <summary>Sends <paramref name="group"/> in as few sends as the hub's size limit allows; completes every write, never throws.</summary>
    private async Task SendGroupAsync(string partitionKey, List<Write> group)
    {
        var options = new SendEventOptions { PartitionKey = partitionKey };
        var sent = 0;
        try
        {
            if (group.Count == 1)
            {
                await client.SendAsync([group[0].Message], options).ConfigureAwait(false);
                group[0].Stored.TrySetResult();
                return;
            }

            while (sent < group.Count)
            {
                using var batch = await client.CreateBatchAsync(new CreateBatchOptions { PartitionKey = partitionKey }).ConfigureAwait(false);
                var end = sent;
                while (end < group.Count && batch.TryAdd(group[end].Message))
                {
                    end++;
                }

                if (end == sent)
                {
                    // Over the limit alone: its own send fails with the SDK's message naming the size.
                    end++;
                    await SendAloneAsync(group[sent], options).ConfigureAwait(false);
                }
                else
                {
                    await SendAsync(batch, group, sent, end).ConfigureAwait(false);
                }

                sent = end;
            }
        }
        catch (Exception exception)
        {
            for (var i = sent; i < group.Count; i++)
            {
                group[i].Stored.TrySetException(exception);
            }
        }
    }

    private async Task SendAsync(EventDataBatch batch, List<Write> group, int start, int end)
    {
        try
        {
            await client.SendAsync(batch).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            for (var i = start; i < end; i++)
            {
                group[i].Stored.TrySetException(exception);
            }

            return;
        }

        for (var i = start; i < end; i++)
        {
            group[i].Stored.TrySetResult();
        }
    }

    private async Task SendAloneAsync(Write write, SendEventOptions options)
    {
        try
        {
            await client.SendAsync([write.Message], options).ConfigureAwait(false);
            write.Stored.TrySetResult();
        }
        catch (Exception exception)
        {
            write.Stored.TrySetException(exception);
        }
    }

    private sealed class Write(EventData message)
    {
        public EventData Message { get; } = message;

        // Continuations run off the sending loop: a writer's grain code must not run inside another key's sends.
        public TaskCompletionSource Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
