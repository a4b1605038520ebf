namespace Orleans.EventPipeline.Silo.Roles;

/// <summary>What one silo of the cluster does, <c>Pipeline:Role</c>.</summary>
public enum PipelineRole
{
    /// <summary>Everything in one process: HTTP API, the tenant grains and the stream receivers.</summary>
    All,

    /// <summary>HTTP API and dashboard only: no stream receivers, no activation of a grain that holds tenant data or work.</summary>
    Gateway,

    /// <summary>The tenant grains and the Event Hubs receivers; over HTTP only health.</summary>
    Processor,
}
