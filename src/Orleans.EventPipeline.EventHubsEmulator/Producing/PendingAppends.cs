using Orleans.EventPipeline.EventHubs;
using System.Buffers;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Errors;
using Orleans.EventPipeline.EventHubsEmulator.Hubs;
using Orleans.EventPipeline.EventHubsEmulator.Log;

namespace Orleans.EventPipeline.EventHubsEmulator.Producing;

/// <summary>
/// The transfers of one drain round of a <see cref="PublisherLink"/>: their bytes (in pooled
/// buffers), where each event starts and ends, and the partition each transfer goes to. One
/// instance is reused round after round so a steady stream allocates nothing per event here.
/// </summary>
internal sealed partial class PendingAppends(EventHubEntity hub, PartitionEntity? fixedPartition)
{
    private readonly List<Staged> _staged = [];
    private readonly List<Range> _events = [];
    private readonly Dictionary<PartitionEntity, List<ReadOnlyMemory<byte>>> _payloads = [];
    private readonly List<(PartitionEntity Partition, Task Append)> _appends = [];

    /// <summary>Stages one transfer; throws (and stages nothing) when it is malformed.</summary>
    public void Add(AmqpMessage message, byte[] buffer, int length, uint messageFormat)
    {
        ReadOnlySpan<byte> bytes = buffer.AsSpan(0, length);
        int first = _events.Count;
        try
        {
            IncomingEvents.Split(bytes, messageFormat, _events);
            for (int i = first; i < _events.Count; i++)
            {
                IncomingEvents.Validate(bytes[_events[i]]);
            }

            PartitionEntity partition = fixedPartition ?? Route(bytes);
            _staged.Add(new Staged(message, buffer, partition, first, _events.Count - first));
        }
        catch
        {
            _events.RemoveRange(first, _events.Count - first);
            throw;
        }
    }

    private PartitionEntity Route(ReadOnlySpan<byte> message)
    {
        ReadOnlySpan<byte> key = IncomingEvents.PartitionKey(message);
        return key.IsEmpty
            ? hub.NextRoundRobin()
            : hub.Partitions[PartitionKeyHash.PartitionIndex(key, hub.Partitions.Count)];
    }

    /// <summary>
    /// Appends every staged event, one append per partition in arrival order, then settles each
    /// transfer: Accepted once its partition's append is durable, Rejected when the append failed.
    /// </summary>
    public async Task AppendAllAsync(ReceivingAmqpLink link, string entity, ILogger logger)
    {
        foreach (Staged staged in _staged)
        {
            if (!_payloads.TryGetValue(staged.Partition, out List<ReadOnlyMemory<byte>>? payloads))
            {
                payloads = [];
                _payloads[staged.Partition] = payloads;
            }

            for (int i = staged.FirstEvent; i < staged.FirstEvent + staged.EventCount; i++)
            {
                (int offset, int count) = _events[i].GetOffsetAndLength(staged.Buffer.Length);
                payloads.Add(new ReadOnlyMemory<byte>(staged.Buffer, offset, count));
            }
        }

        foreach ((PartitionEntity partition, List<ReadOnlyMemory<byte>> payloads) in _payloads)
        {
            if (payloads.Count > 0)
            {
                _appends.Add((partition, partition.Log.AppendAsync(payloads).AsTask()));
            }
        }

        foreach ((PartitionEntity partition, Task append) in _appends)
        {
            try
            {
                await append.ConfigureAwait(false);
            }
            catch (PartitionLogFailedException exception)
            {
                // The log reported the I/O error itself, once; this is one refusal of many while it lasts.
                LogAppendRefused(logger, partition.Path, exception.OutOfSpace ? "its disk is full" : "its storage is recovering from an I/O error");
            }
            catch (Exception exception)
            {
                LogAppendFailed(logger, exception, partition.Path);
            }
        }

        foreach (Staged staged in _staged)
        {
            if (staged.Message.Settled)
            {
                continue;
            }

            Task? append = FindAppend(staged.Partition);
            Outcome outcome = append is null || append.IsCompletedSuccessfully
                ? AmqpConstants.AcceptedOutcome
                : new Rejected { Error = RefusalFor(entity, append.Exception?.InnerException) };
            link.DisposeMessage(staged.Message, outcome, settled: true, batchable: true);
        }
    }

    private static Error RefusalFor(string entity, Exception? failure) => failure switch
    {
        PartitionLogFailedException { OutOfSpace: true } full => EmulatorErrors.StoreFull(entity, full.Message),
        PartitionLogFailedException failed => EmulatorErrors.StoreUnavailable(entity, failed.Message),
        null => EmulatorErrors.StoreFailed(entity, "the append was canceled"),
        _ => EmulatorErrors.StoreFailed(entity, failure.Message),
    };

    private Task? FindAppend(PartitionEntity partition)
    {
        foreach ((PartitionEntity candidate, Task append) in _appends)
        {
            if (ReferenceEquals(candidate, partition))
            {
                return append;
            }
        }

        return null;
    }

    /// <summary>Returns the pooled buffers and empties the round for reuse.</summary>
    public void Reset()
    {
        foreach (Staged staged in _staged)
        {
            ArrayPool<byte>.Shared.Return(staged.Buffer);
        }

        _staged.Clear();
        _events.Clear();
        _appends.Clear();
        foreach (List<ReadOnlyMemory<byte>> payloads in _payloads.Values)
        {
            payloads.Clear();
        }
    }

    private readonly record struct Staged(AmqpMessage Message, byte[] Buffer, PartitionEntity Partition, int FirstEvent, int EventCount);
}
