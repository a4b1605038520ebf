namespace Orleans.EventPipeline.Agent.Sources;

/// <summary>One input of the agent; it hands its events to its client and returns when it ends or is stopped.</summary>
internal interface IEventSource
{
    string Name { get; }

    /// <summary>True when the source ends by itself (stdin at its end); the agent stops once every such source has and nothing else runs.</summary>
    bool Finite { get; }

    Task RunAsync(CancellationToken cancellationToken);
}
