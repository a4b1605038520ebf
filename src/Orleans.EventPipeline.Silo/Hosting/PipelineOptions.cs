using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Settings of one pipeline process, bound from the <c>Pipeline</c> configuration section. Its
/// <c>Archive</c>, <c>Processing</c>, <c>Gateway</c>, <c>StreamCache</c> and <c>DerivedStreams</c> sections are bound to the
/// options classes of the code that uses them (<see cref="PipelineOptionsRegistration"/>).
/// </summary>
public sealed class PipelineOptions
{
    public const string SectionName = "Pipeline";

    /// <summary>Where state and the durable stream live: embedded on this machine, or in Azure.</summary>
    public PipelineMode Mode { get; set; } = PipelineMode.Local;

    /// <summary>What this silo does in the cluster: everything, the HTTP API only, or the tenant grains and receivers.</summary>
    public PipelineRole Role { get; set; } = PipelineRole.All;

    /// <summary>
    /// Runs Orleans' Kubernetes hosting (azure mode): the silo takes its pod's name, and watches the cluster's
    /// pods against the membership table. Needs <c>POD_NAME</c> and <c>POD_NAMESPACE</c> in the environment and
    /// read/watch/patch rights on pods (infra/k8s/base/role.yaml).
    /// </summary>
    public bool KubernetesHosting { get; set; }

    /// <summary>Address other silos reach this one at; loopback for a single node.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Event hub the tenant streams are written to.</summary>
    public string EventHubName { get; set; } = "events";

    /// <summary>Consumer group the silos read the event hub with.</summary>
    public string ConsumerGroup { get; set; } = "$Default";

    /// <summary>Settings of local mode (embedded Event Hubs emulator, SQLite).</summary>
    public LocalModeOptions Local { get; set; } = new();

    /// <summary>Settings of azure mode (Event Hubs, Azure Table storage).</summary>
    public AzureModeOptions Azure { get; set; } = new();

    /// <summary>Directory for everything kept on disk in local mode (grain state, stream log).</summary>
    public string DataDirectory { get; set; } = ".data";

    /// <summary>
    /// The one directory tenants' lookup files (CSV tables, GeoIP databases) are read from, on every silo; a tenant's
    /// path is taken relative to it, and one that leads out of it is refused. Empty means <c>lookups</c> in
    /// <see cref="DataDirectory"/>. It must not be or hold <see cref="DataDirectory"/>, whose files a table could name.
    /// </summary>
    public string LookupDirectory { get; set; } = "";

    /// <summary>Orleans cluster id; silos with the same id form one cluster.</summary>
    public string ClusterId { get; set; } = "eventpipeline-local";

    /// <summary>Orleans service id; keep it stable across restarts, grain state is keyed by it.</summary>
    public string ServiceId { get; set; } = "eventpipeline";

    /// <summary>TCP port for silo-to-silo traffic on loopback.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>TCP port Orleans clients (tools, tests) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Bearer key of the admin API (tenants and keys); empty turns the admin API off.</summary>
    public string AdminApiKey { get; set; } = "";

    /// <summary>
    /// How long a <c>/ui</c> sign-in lasts at most, however it is used: 12 hours, a working day. The cookie is renewed
    /// while used (8 hours after the last use), and the tenants page refreshes itself every 5 s, so without this a tab
    /// left open kept a session for good. 00:00:01 to 7.00:00:00.
    /// </summary>
    public TimeSpan AdminSessionLimit { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Settings of the shipper protocols: the OTLP gRPC port.</summary>
    public Gateway.Shippers.ShipperOptions Shippers { get; set; } = new();

    /// <summary>Settings of metrics, traces and log export: the Prometheus endpoint, the tenant tag's cap, OTLP.</summary>
    public Observability.TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>Paths of users' grain assemblies (.dll) the silo loads at start (docs/EXTENDING.md).</summary>
    public string[] GrainAssemblies { get; set; } = [];
}
