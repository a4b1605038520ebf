using System.Buffers;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Errors;
using Orleans.EventPipeline.EventHubsEmulator.Hubs;

namespace Orleans.EventPipeline.EventHubsEmulator.Producing;

/// <summary>
/// Takes events from one sender link (the client's producer) into the partition logs.
/// Transfers that arrive while an append is in flight queue up and go to the log together as one
/// append per partition, so a busy link feeds the log's group commit instead of one fsync per
/// transfer. A transfer is settled Accepted only after its append completed (fsync'd).
/// </summary>
internal sealed partial class PublisherLink
{
    private readonly ReceivingAmqpLink _link;
    private readonly EventHubEntity _hub;
    private readonly PartitionEntity? _partition;
    private readonly long _maxMessageSize;
    private readonly ILogger _logger;
    private readonly PendingAppends _pending;
    private readonly Lock _lock = new();
    private List<AmqpMessage> _queued = [];
    private List<AmqpMessage> _spare = [];
    private bool _draining;

    public PublisherLink(ReceivingAmqpLink link, EventHubEntity hub, PartitionEntity? partition, long maxMessageSize, ILogger logger)
    {
        _link = link;
        _hub = hub;
        _partition = partition;
        _maxMessageSize = maxMessageSize;
        _logger = logger;
        _pending = new PendingAppends(hub, partition);
    }

    private string EntityPath => _partition?.Path ?? _hub.Name;

    /// <summary>
    /// Once the attach (advertising the limit) has gone out, the transfer-level limit the AMQP
    /// library enforces is raised to 4x: a transfer between 1x and 4x then gets a Rejected outcome
    /// with amqp:link:message-size-exceeded and the link lives on; beyond 4x (memory held per
    /// transfer stays bounded) the library detaches the link with that same condition.
    /// </summary>
    public void Start()
    {
        _link.Opened += (_, _) => _link.Settings.MaxMessageSize = (ulong)_maxMessageSize * 4;
        _link.RegisterMessageListener(OnMessage);
    }

    private void OnMessage(AmqpMessage message)
    {
        lock (_lock)
        {
            _queued.Add(message);
            if (_draining)
            {
                return;
            }

            _draining = true;
        }

        _ = DrainAsync();
    }

    /// <summary>Runs while transfers are queued; at most one per link (<see cref="_draining"/>), so it owns <see cref="_pending"/>.</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            List<AmqpMessage> batch;
            lock (_lock)
            {
                if (_queued.Count == 0)
                {
                    _draining = false;
                    return;
                }

                batch = _queued;
                _queued = _spare;
                _spare = batch;
            }

            try
            {
                foreach (AmqpMessage message in batch)
                {
                    Stage(message, _pending);
                }

                await _pending.AppendAllAsync(_link, EntityPath, _logger).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                // Keep draining: the transfers of this round stay unsettled and the client retries them.
                LogDrainFailed(_logger, exception, EntityPath);
            }
            finally
            {
                _pending.Reset();
                foreach (AmqpMessage message in batch)
                {
                    message.Dispose();
                }

                batch.Clear();
            }
        }
    }

    /// <summary>Copies one transfer into a pooled buffer, splits and routes it, or refuses it at once.</summary>
    private void Stage(AmqpMessage message, PendingAppends pending)
    {
        long size = message.SerializedMessageSize;
        if (size > _maxMessageSize)
        {
            LogTooLarge(_logger, EntityPath, size, _maxMessageSize);
            Settle(message, new Rejected { Error = EmulatorErrors.TooLarge(size, _maxMessageSize) });
            return;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)size);
        int length = CopyPayload(message, buffer);
        try
        {
            pending.Add(message, buffer, length, message.MessageFormat ?? 0);
        }
        catch (Exception exception) when (IsMalformed(exception))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            LogMalformed(_logger, EntityPath, exception.Message);
            Settle(message, new Rejected { Error = new Error { Condition = AmqpErrorCode.DecodeError, Description = $"The message could not be decoded: {exception.Message}" } });
        }
    }

    private static int CopyPayload(AmqpMessage message, byte[] destination)
    {
        int written = 0;
        foreach (ByteBuffer buffer in message.RawByteBuffers)
        {
            Buffer.BlockCopy(buffer.Buffer, buffer.Offset, destination, written, buffer.Length);
            written += buffer.Length;
        }

        return written;
    }

    private void Settle(AmqpMessage message, Outcome outcome)
    {
        if (!message.Settled)
        {
            _link.DisposeMessage(message, outcome, settled: true, batchable: true);
        }
    }

    internal static bool IsMalformed(Exception exception) =>
        exception is FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException;
}
