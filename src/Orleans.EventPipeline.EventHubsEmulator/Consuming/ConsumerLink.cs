using System.Runtime.InteropServices;
using Microsoft.Azure.Amqp;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Errors;
using Orleans.EventPipeline.EventHubsEmulator.Hubs;
using Orleans.EventPipeline.EventHubsEmulator.Log;

namespace Orleans.EventPipeline.EventHubsEmulator.Consuming;

/// <summary>
/// Serves one receiver link: reads committed records from the partition log as far as the
/// client's credit allows, waits on the log when it has caught up, and sends every event
/// pre-settled (the SDK attaches with snd-settle-mode settled and never settles).
/// </summary>
internal sealed partial class ConsumerLink : IDisposable
{
    // One read returns at most this many records, bounding the records held between reads; the
    // SDK's default prefetch is 300, so one read usually fills its whole window.
    private const int MaxRecordsPerRead = 300;

    private readonly SendingAmqpLink _link;
    private readonly PartitionEntity _partition;
    private readonly ReceiverOwnership _ownership;
    private readonly string _entityPath;
    private readonly bool _includeRuntimeMetrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closed = new();
    private readonly SemaphoreSlim _creditArrived = new(0, 1);
    private readonly RecordCopy _encodeDelivery;
    private long _nextSequenceNumber;

    // The runtime metrics and time the records of one read are delivered with, taken at its first record: after the
    // read's committed state, so the last enqueued sequence number is never below a record's own.
    private DeliveryStamp? _stamp;

    public ConsumerLink(SendingAmqpLink link, PartitionEntity partition, ReceiverOwnership ownership, string entityPath, bool includeRuntimeMetrics, TimeProvider timeProvider, ILogger logger)
    {
        _link = link;
        _partition = partition;
        _ownership = ownership;
        _entityPath = entityPath;
        _includeRuntimeMetrics = includeRuntimeMetrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _encodeDelivery = EncodeDelivery;
    }

    /// <summary>Begins serving from <paramref name="firstSequenceNumber"/> once the link is open.</summary>
    public void Start(long firstSequenceNumber)
    {
        _nextSequenceNumber = firstSequenceNumber;
        _link.RegisterCreditListener(OnCredit);
        _link.SafeAddClosed(OnLinkClosed);
        _link.Opened += (_, _) => _ = PumpAsync();
        LogReceiverAttached(_logger, _entityPath, _nextSequenceNumber);
    }

    /// <summary>Detaches the link with <paramref name="error"/> (owner-level takeover, corruption).</summary>
    public void Close(AmqpException error) => _link.SafeClose(error);

    /// <summary>Called by the pump when it ends; the link is closed by then, so no more signals matter.</summary>
    public void Dispose()
    {
        _closed.Dispose();
        _creditArrived.Dispose();
    }

    private void OnCredit(uint credit, bool drain, ArraySegment<byte> transactionId)
    {
        try
        {
            if (_creditArrived.CurrentCount == 0)
            {
                _creditArrived.Release();
            }
        }
        catch (Exception exception) when (exception is SemaphoreFullException or ObjectDisposedException)
        {
            // Another flow frame signalled first (one pending signal wakes the pump), or the link has closed.
        }
    }

    private void OnLinkClosed(object? sender, EventArgs e)
    {
        _ownership.Release(this);
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The pump already ended (it failed and closed the link itself).
        }
    }

    private async Task PumpAsync()
    {
        CancellationToken cancellationToken = _closed.Token;
        var records = new List<LogRecord>(MaxRecordsPerRead);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                uint credit = _link.LinkCredit;
                if (credit == 0)
                {
                    LogWaitingForFlow(_logger, _entityPath, _nextSequenceNumber, "no link credit");
                    await _creditArrived.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                records.Clear();
                _stamp = null;
                int read = await ReadAsync(records, (int)Math.Min(credit, MaxRecordsPerRead), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    LogCaughtUp(_logger, _entityPath, _nextSequenceNumber);
                    await _partition.Log.WaitForRecordAsync(_nextSequenceNumber, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                foreach (LogRecord record in records)
                {
                    Send(record);
                    _nextSequenceNumber = record.SequenceNumber + 1;
                }

                LogSent(_logger, _entityPath, records[0].SequenceNumber, records[^1].SequenceNumber, credit, _link.LinkCredit);
                if (_link.LinkCredit >= credit)
                {
                    LogWaitingForFlow(_logger, _entityPath, _nextSequenceNumber, "the sends were queued, not transmitted");
                    // The sends were queued, not transmitted (the session window is full): wait for
                    // the client's next flow instead of reading further ahead into memory.
                    await _creditArrived.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The link closed: the client detached, the connection dropped or the server stopped.
        }
        catch (LogCorruptionException exception)
        {
            LogCorruptRecord(_logger, exception, _entityPath, _nextSequenceNumber);
            _partition.ReportCorruptRecord(_nextSequenceNumber, exception.Message);
            _link.SafeClose(EmulatorErrors.Corruption(_partition.Path, exception.Message));
        }
        catch (Exception exception)
        {
            LogPumpFailed(_logger, exception, _entityPath);
            _link.SafeClose(EmulatorErrors.Internal(_partition.Path, exception.Message));
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>
    /// Reads the next records. When a batch hits a corrupt record, the records before it are still
    /// served: the read is repeated one record at a time until the corrupt one throws on its own,
    /// so <see cref="_nextSequenceNumber"/> then names exactly the record that cannot be served.
    /// </summary>
    private async ValueTask<int> ReadAsync(List<LogRecord> records, int maxRecords, CancellationToken cancellationToken)
    {
        try
        {
            return await _partition.Log.ReadAsync(_nextSequenceNumber, maxRecords, records, _encodeDelivery, cancellationToken).ConfigureAwait(false);
        }
        catch (LogCorruptionException) when (maxRecords > 1)
        {
            records.Clear();
            _stamp = null;
            return await _partition.Log.ReadAsync(_nextSequenceNumber, 1, records, _encodeDelivery, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The read's copy of a stored record: its delivery bytes, made from the stored bytes in place.</summary>
    private ReadOnlyMemory<byte> EncodeDelivery(long sequenceNumber, long offset, DateTimeOffset enqueuedTime, ReadOnlySpan<byte> payload)
    {
        var stamp = _stamp ??= new DeliveryStamp(_includeRuntimeMetrics ? _partition.Log.Info : null, _timeProvider.GetUtcNow());
        return DeliveryEncoder.Encode(sequenceNumber, offset, enqueuedTime, payload, stamp.Metrics, stamp.Now);
    }

    /// <summary>Sends a record read with <see cref="EncodeDelivery"/>: its payload is the delivery's bytes, in an array of their own.</summary>
    private void Send(LogRecord record)
    {
        if (!MemoryMarshal.TryGetArray(record.Payload, out ArraySegment<byte> delivery))
        {
            throw new InvalidOperationException($"Record {record.SequenceNumber} holds no array of its own: the delivery encoder makes one for every record.");
        }

        var stream = new BufferListStream([delivery]);
        AmqpMessage message = AmqpMessage.CreateAmqpStreamMessage(stream, payloadInitialized: true);
        _link.SendMessageNoWait(message, new ArraySegment<byte>(BitConverter.GetBytes(record.SequenceNumber)), AmqpConstants.NullBinary);
    }

    private readonly record struct DeliveryStamp(PartitionLogInfo? Metrics, DateTimeOffset Now);
}
