namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Settings of one pipeline process, bound from the <c>Pipeline</c> configuration section.</summary>
public sealed class PipelineOptions
{
    public const string SectionName = "Pipeline";

    /// <summary>Directory for everything kept on disk in local mode (grain state, stream log).</summary>
    public string DataDirectory { get; set; } = ".data";

    /// <summary>Orleans cluster id; silos with the same id form one cluster.</summary>
    public string ClusterId { get; set; } = "eventpipeline-local";

    /// <summary>Orleans service id; keep it stable across restarts, grain state is keyed by it.</summary>
    public string ServiceId { get; set; } = "eventpipeline";

    /// <summary>TCP port for silo-to-silo traffic on loopback.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>TCP port Orleans clients (tools, tests) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;
}
