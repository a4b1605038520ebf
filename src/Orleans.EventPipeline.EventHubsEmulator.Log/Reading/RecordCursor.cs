using Orleans.EventPipeline.EventHubsEmulator.Log.Format;
using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Reading;

/// <summary>
/// Walks committed records of one segment from an index point, verifying framing, position and
/// checksum of each; anything that fails throws <see cref="LogCorruptionException"/> naming the
/// file and byte position, so a damaged record is never returned as data. Loads read ahead up to
/// <c>readAheadEnd</c> while short of it (a reader that knows where the records it wants end), then up to
/// <c>endPosition</c>.
/// </summary>
internal sealed class RecordCursor(Segment segment, IndexEntry start, long endPosition, int readAheadBytes = FileWindow.DefaultReadAheadBytes, long readAheadEnd = long.MaxValue) : IDisposable
{
    private readonly FileWindow _window = new(segment.File, readAheadBytes);
    private long _position = start.Offset - segment.BaseOffset;
    private long _expectedSequenceNumber = start.SequenceNumber;
    private long _payloadPosition;

    public RecordHeader Current { get; private set; }

    /// <summary>The current record's payload; valid until the next move.</summary>
    public ReadOnlySpan<byte> CurrentPayload => _window.Slice(_payloadPosition, Current.PayloadLength);

    public bool MoveNext()
    {
        if (_position >= endPosition)
        {
            return false;
        }

        if (!_window.Load(_position, RecordHeader.Size, LoadLimit))
        {
            throw Corrupt("the header is cut short");
        }

        var header = ParseHeader();
        if (!_window.Load(_position, header.RecordLength, LoadLimit))
        {
            throw Corrupt("the payload is cut short");
        }

        Accept(header);
        return true;
    }

    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        if (_position >= endPosition)
        {
            return false;
        }

        if (!await _window.LoadAsync(_position, RecordHeader.Size, LoadLimit, cancellationToken))
        {
            throw Corrupt("the header is cut short");
        }

        var header = ParseHeader();
        if (!await _window.LoadAsync(_position, header.RecordLength, LoadLimit, cancellationToken))
        {
            throw Corrupt("the payload is cut short");
        }

        Accept(header);
        return true;
    }

    public void Dispose() => _window.Dispose();

    // Where a load stops reading ahead; a record that runs past it is still loaded whole.
    private long LoadLimit => _position < readAheadEnd ? Math.Min(readAheadEnd, endPosition) : endPosition;

    private RecordHeader ParseHeader()
    {
        if (!RecordHeader.TryRead(_window.Slice(_position, RecordHeader.Size), out var header))
        {
            throw Corrupt("the header's magic, version or length is invalid");
        }

        if (header.Offset != segment.BaseOffset + _position || header.SequenceNumber != _expectedSequenceNumber)
        {
            throw Corrupt($"the header says sequence number {header.SequenceNumber} at offset {header.Offset}");
        }

        if (_position + header.RecordLength > endPosition)
        {
            throw Corrupt($"its {header.PayloadLength}-byte payload runs past the committed end at byte {endPosition}");
        }

        return header;
    }

    private void Accept(RecordHeader header)
    {
        if (!header.HasValidChecksum(_window.Slice(_position, header.RecordLength)))
        {
            throw Corrupt("the checksum does not match");
        }

        Current = header;
        _payloadPosition = _position + RecordHeader.Size;
        _position += header.RecordLength;
        _expectedSequenceNumber++;
    }

    private LogCorruptionException Corrupt(string reason) => new(
        $"Corrupt record in segment file '{segment.Path}' at byte {_position} (expected sequence number {_expectedSequenceNumber}): {reason}. " +
        "The log does not serve it; restore the file from a backup or delete the partition directory to start over.");
}
