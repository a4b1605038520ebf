namespace Orleans.EventPipeline.Agent.Sources.Syslog;

/// <summary>
/// A received syslog message made one text line for the gateway, whose text parsers read RFC 5424 and RFC 3164
/// (docs/EVENT-SCHEMA.md): trailing line breaks and NULs dropped, and a line break inside the message written as
/// <c>#012</c>, rsyslog's escape of control characters, because the text framing would cut the message there.
/// </summary>
internal static class SyslogMessages
{
    public static ReadOnlyMemory<byte>? ToLine(ReadOnlySpan<byte> message)
    {
        message = message.TrimEnd("\r\n\0"u8);
        if (Client.Batching.EventLine.IsBlank(message))
        {
            return null;
        }

        if (message.IndexOf((byte)'\n') < 0)
        {
            return message.ToArray();
        }

        var escaped = new List<byte>(message.Length + 16);
        foreach (var b in message)
        {
            if (b == (byte)'\n')
            {
                escaped.AddRange("#012"u8);
            }
            else
            {
                escaped.Add(b);
            }
        }

        return escaped.ToArray();
    }
}
