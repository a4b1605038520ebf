using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Orleans.EventPipeline.Processing.Tests.Support;

/// <summary>
/// Writes a small MaxMind DB (format 2.0, MaxMind-DB-spec.md) so GeoIP tests need no third-party file:
/// an IPv4 search tree with 24-bit records, 16 zero bytes, the data section, then the metadata marker and
/// map. Values: string, double, uint16, uint32, uint64, map and array, the types a City layout and the
/// metadata use.
/// </summary>
internal sealed class MmdbWriter
{
    private const int RecordBytes = 3;
    private static readonly byte[] MetadataMarker = [0xAB, 0xCD, 0xEF, .. "MaxMind.com"u8];

    private readonly List<(uint Network, int PrefixLength, Dictionary<string, object> Record)> _networks = [];

    public string DatabaseType { get; init; } = "Pipeline-Test-City";

    public MmdbWriter Add(string cidr, Dictionary<string, object> record)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        var address = IPAddress.Parse(cidr[..slash]).GetAddressBytes();
        _networks.Add((BinaryPrimitives.ReadUInt32BigEndian(address), int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture), record));
        return this;
    }

    /// <summary>A City-layout record: country ISO code and English name, city, latitude and longitude.</summary>
    public static Dictionary<string, object> City(string iso, string country, string city, double latitude, double longitude) => new()
    {
        ["country"] = new Dictionary<string, object> { ["iso_code"] = iso, ["names"] = new Dictionary<string, object> { ["en"] = country } },
        ["city"] = new Dictionary<string, object> { ["names"] = new Dictionary<string, object> { ["en"] = city } },
        ["location"] = new Dictionary<string, object> { ["latitude"] = latitude, ["longitude"] = longitude },
    };

    public byte[] Build()
    {
        // Tree: each node holds two records; a record is a node index, a data offset or "empty".
        var nodes = new List<Record[]> { new Record[2] };
        var data = new MemoryStream();
        foreach (var (network, prefixLength, record) in _networks)
        {
            var offset = (int)data.Length;
            WriteValue(data, record);
            var node = 0;
            for (var bit = 0; bit < prefixLength; bit++)
            {
                var side = (int)((network >> (31 - bit)) & 1);
                if (bit == prefixLength - 1)
                {
                    nodes[node][side] = Record.Data(offset);
                    break;
                }

                if (nodes[node][side].Kind != RecordKind.Node)
                {
                    nodes.Add(new Record[2]);
                    nodes[node][side] = Record.Node(nodes.Count - 1);
                }

                node = nodes[node][side].Value;
            }
        }

        var nodeCount = nodes.Count;
        var output = new MemoryStream();
        Span<byte> pair = stackalloc byte[2 * RecordBytes];
        foreach (var node in nodes)
        {
            for (var side = 0; side < 2; side++)
            {
                var value = node[side].Kind switch
                {
                    RecordKind.Node => node[side].Value,
                    RecordKind.Data => nodeCount + 16 + node[side].Value,
                    _ => nodeCount,
                };
                pair[(side * RecordBytes) + 0] = (byte)(value >> 16);
                pair[(side * RecordBytes) + 1] = (byte)(value >> 8);
                pair[(side * RecordBytes) + 2] = (byte)value;
            }

            output.Write(pair);
        }

        output.Write(new byte[16]);
        data.WriteTo(output);
        output.Write(MetadataMarker);
        WriteValue(output, new Dictionary<string, object>
        {
            ["node_count"] = (uint)nodeCount,
            ["record_size"] = (ushort)(RecordBytes * 8),
            ["ip_version"] = (ushort)4,
            ["database_type"] = DatabaseType,
            ["languages"] = new object[] { "en" },
            ["binary_format_major_version"] = (ushort)2,
            ["binary_format_minor_version"] = (ushort)0,
            ["build_epoch"] = (ulong)1_700_000_000,
            ["description"] = new Dictionary<string, object> { ["en"] = "Test database written by the pipeline's tests" },
        });
        return output.ToArray();
    }

    private static void WriteValue(Stream output, object value)
    {
        switch (value)
        {
            case string text:
                var bytes = Encoding.UTF8.GetBytes(text);
                WriteControl(output, 2, bytes.Length);
                output.Write(bytes);
                break;
            case double number:
                WriteControl(output, 3, 8);
                Span<byte> d = stackalloc byte[8];
                BinaryPrimitives.WriteDoubleBigEndian(d, number);
                output.Write(d);
                break;
            case ushort u16:
                WriteUnsigned(output, 5, u16);
                break;
            case uint u32:
                WriteUnsigned(output, 6, u32);
                break;
            case ulong u64:
                WriteUnsigned(output, 9, u64);
                break;
            case Dictionary<string, object> map:
                WriteControl(output, 7, map.Count);
                foreach (var (key, item) in map)
                {
                    WriteValue(output, key);
                    WriteValue(output, item);
                }

                break;
            case object[] array:
                WriteControl(output, 11, array.Length);
                foreach (var item in array)
                {
                    WriteValue(output, item);
                }

                break;
            default:
                throw new ArgumentException($"The test MMDB writer does not encode {value.GetType()}.", nameof(value));
        }
    }

    // Integers are big-endian with leading zero bytes dropped; the size is the byte count.
    private static void WriteUnsigned(Stream output, int type, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        var start = 0;
        while (start < 8 && bytes[start] == 0)
        {
            start++;
        }

        WriteControl(output, type, 8 - start);
        output.Write(bytes[start..]);
    }

    // Control byte: type in the top 3 bits (0 = extended, type - 7 in the next byte), size in the low 5
    // bits; sizes of 29 and more continue in 1-3 following bytes.
    private static void WriteControl(Stream output, int type, int size)
    {
        var extended = type > 7;
        var typeBits = extended ? 0 : type << 5;
        byte[] sizeBytes;
        int sizeBits;
        if (size < 29)
        {
            sizeBits = size;
            sizeBytes = [];
        }
        else if (size < 29 + 256)
        {
            sizeBits = 29;
            sizeBytes = [(byte)(size - 29)];
        }
        else if (size < 285 + 65536)
        {
            sizeBits = 30;
            sizeBytes = [(byte)((size - 285) >> 8), (byte)(size - 285)];
        }
        else
        {
            sizeBits = 31;
            sizeBytes = [(byte)((size - 65821) >> 16), (byte)((size - 65821) >> 8), (byte)(size - 65821)];
        }

        output.WriteByte((byte)(typeBits | sizeBits));
        if (extended)
        {
            output.WriteByte((byte)(type - 7));
        }

        output.Write(sizeBytes);
    }

    private enum RecordKind
    {
        Empty = 0,
        Node = 1,
        Data = 2,
    }

    private readonly record struct Record(RecordKind Kind, int Value)
    {
        public static Record Node(int index) => new(RecordKind.Node, index);

        public static Record Data(int offset) => new(RecordKind.Data, offset);
    }
}
