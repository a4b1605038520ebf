namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>What a stream key's processor keeps across crashes: positions on the raw stream.</summary>
[GenerateSerializer]
public sealed class ProcessorState
{
    /// <summary>The last raw-stream sequence number whose events are durable in the archive; -1 before the first object.</summary>
    [Id(0)] public long ArchivedThrough { get; set; } = -1;

    /// <summary>The last raw-stream sequence number whose dead letters are on the dead-letter stream; a replay does not send them again.</summary>
    [Id(1)] public long DeadLetteredThrough { get; set; } = -1;
}
