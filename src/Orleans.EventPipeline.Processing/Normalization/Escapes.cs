using System.Buffers;
using System.Text;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>Backslash escapes of syslog structured data and CEF, undone while decoding to a string.</summary>
internal static class Escapes
{
    /// <summary>
    /// Decodes <paramref name="raw"/>, turning <c>\x</c> into <c>x</c> for every x in
    /// <paramref name="escapable"/>; with <paramref name="newlines"/>, <c>\n</c> and <c>\r</c> become
    /// line breaks (CEF extensions). Other backslashes are kept.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> escapable, bool newlines = false)
    {
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return EventFactory.Text(raw);
        }

        var rented = ArrayPool<byte>.Shared.Rent(raw.Length);
        try
        {
            var length = 0;
            for (var i = 0; i < raw.Length; i++)
            {
                var b = raw[i];
                if (b == '\\' && i + 1 < raw.Length)
                {
                    var next = raw[i + 1];
                    if (escapable.Contains(next))
                    {
                        b = next;
                        i++;
                    }
                    else if (newlines && next is (byte)'n' or (byte)'r')
                    {
                        b = next == 'n' ? (byte)'\n' : (byte)'\r';
                        i++;
                    }
                }

                rented[length++] = b;
            }

            return Encoding.UTF8.GetString(rented, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Index of the first <paramref name="terminator"/> not escaped by a backslash, or -1.</summary>
    public static int IndexOfUnescaped(ReadOnlySpan<byte> text, byte terminator)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == terminator)
            {
                return i;
            }
        }

        return -1;
    }
}
