namespace Orleans.EventPipeline.Agent.Sources;

/// <summary>Lines of standard input, until its end. No position is kept: what a crash loses of a pipe cannot be read again.</summary>
internal sealed class StdinSource(Stream input, LineSplitter splitter, EventPipeline.Client.EventPipelineClient client) : IEventSource
{
    public string Name => "stdin";

    public bool Finite => true;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[splitter.BufferBytes];
        var filled = 0;
        var lines = new List<ReadOnlyMemory<byte>>();
        while (true)
        {
            var read = await input.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                lines.Clear();
                splitter.AddLast(buffer.AsMemory(0, filled), lines);
                await client.SendAsync(lines, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }

            filled += read;
            // A read may hold more than one send takes (MaxCallBytes): split until only a partial line is left.
            int consumed;
            do
            {
                lines.Clear();
                consumed = splitter.Split(buffer.AsMemory(0, filled), lines);
                if (lines.Count > 0)
                {
                    await client.SendAsync(lines, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }
            while (consumed > 0 && filled > 0);
        }
    }
}
