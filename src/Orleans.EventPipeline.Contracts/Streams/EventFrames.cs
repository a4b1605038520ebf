using System.Buffers.Binary;

namespace Orleans.EventPipeline.Streams;

/// <summary>
/// Length-prefixed event bytes: each event is a 4-byte little-endian length followed by the event's
/// bytes exactly as the client sent them. This is the body of every Event Hubs message the pipeline
/// writes (docs/STREAM-FORMAT.md).
/// </summary>
public readonly struct EventFrames(ReadOnlyMemory<byte> frames)
{
    /// <summary>Bytes of the length prefix.</summary>
    public const int PrefixBytes = 4;

    public ReadOnlyMemory<byte> Memory { get; } = frames;

    public Enumerator GetEnumerator() => new(Memory);

    /// <summary>Counts events and proves every length fits; false for a truncated or corrupt body.</summary>
    public static bool TryCount(ReadOnlySpan<byte> frames, out int count)
    {
        count = 0;
        while (!frames.IsEmpty)
        {
            if (frames.Length < PrefixBytes)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(frames);
            if (length < 0 || length > frames.Length - PrefixBytes)
            {
                return false;
            }

            frames = frames[(PrefixBytes + length)..];
            count++;
        }

        return true;
    }

    /// <summary>Walks the events without allocating.</summary>
    public struct Enumerator(ReadOnlyMemory<byte> frames)
    {
        private ReadOnlyMemory<byte> _rest = frames;

        public ReadOnlyMemory<byte> Current { get; private set; }

        public bool MoveNext()
        {
            if (_rest.Length < PrefixBytes)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(_rest.Span);
            if (length < 0 || length > _rest.Length - PrefixBytes)
            {
                throw new InvalidDataException($"Event frame declares {length} bytes but only {_rest.Length - PrefixBytes} remain.");
            }

            Current = _rest.Slice(PrefixBytes, length);
            _rest = _rest[(PrefixBytes + length)..];
            return true;
        }
    }
}
