namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Where the pipeline keeps its state and durable stream.</summary>
public enum PipelineMode
{
    /// <summary>One machine: localhost clustering, SQLite grain state, the embedded Event Hubs emulator, all under DataDirectory.</summary>
    Local,

    /// <summary>Azure: Table storage clustering and grain state, Azure Event Hubs, Table checkpoints.</summary>
    Azure,
}
