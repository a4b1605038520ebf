using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Orleans.EventPipeline.Grains.Ingest;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>Command-line settings of one load run, parsed by System.CommandLine (<c>--help</c> lists them).</summary>
internal sealed class LoadOptions
{
    private static readonly Option<string> UrlOption = new("--url") { Description = "Gateway base URL; left out, the tool starts the pipeline of each --topology for the run.", DefaultValueFactory = static _ => "" };
    private static readonly Option<string[]> TopologyOption = Topology(new("--topology") { Description = "What the tool starts when no --url is given, fresh for each: local (one silo, local mode), azure (one silo, azure mode on Azurite and the standalone emulator) or cluster (one gateway and two processor silos, azure mode); repeat to measure several in one run, in that order.", DefaultValueFactory = static _ => [PipelineUnderTest.Local] });
    private static readonly Option<string> SiloOption = new("--silo") { Description = "Path of Orleans.EventPipeline.Silo.dll to start (default: the one built with this tool, same configuration).", DefaultValueFactory = static _ => "" };
    private static readonly Option<string> AdminKeyOption = new("--admin-key") { Description = "Admin key of the gateway.", DefaultValueFactory = static _ => "load-admin-key-0123456789" };
    private static readonly Option<string> EventHubsOption = new("--eventhubs") { Description = "Connection string of the event hub behind --url, for the raw SDK baseline.", DefaultValueFactory = static _ => "" };
    private static readonly Option<int> ConnectionsOption = AtLeast(new("--connections") { Description = "Concurrent connections (the paced phases use twice as many).", DefaultValueFactory = static _ => 8 }, 1);
    private static readonly Option<int> TenantsOption = AtLeast(new("--tenants") { Description = "Tenants the batches are spread over.", DefaultValueFactory = static _ => 4 }, 1);
    private static readonly Option<int> ShardsOption = AtLeast(new("--shards") { Description = "shardCount of each tenant the run creates; 0 leaves the tenant default.", DefaultValueFactory = static _ => 0 }, 0);
    private static readonly Option<int> BatchOption = AtLeast(new("--batch") { Description = "Events per request.", DefaultValueFactory = static _ => 1000 }, 1);
    private static readonly Option<int> EventBytesOption = AtLeast(new("--event-bytes") { Description = "Approximate size of one event in bytes.", DefaultValueFactory = static _ => 500 }, 32);
    private static readonly Option<int> DurationOption = AtLeast(new("--duration") { Description = "Seconds per measured phase.", DefaultValueFactory = static _ => 20 }, 1);
    private static readonly Option<int> WarmupOption = AtLeast(new("--warmup") { Description = "Seconds of unmeasured load before the peak phase.", DefaultValueFactory = static _ => 5 }, 0);
    private static readonly Option<int> CooldownOption = AtLeast(new("--cooldown") { Description = "Seconds between phases (the peak and the half-rate phase, the gateway's and the raw SDK's; --e2e-warm's archived load and the measured run), so each starts from a drained system.", DefaultValueFactory = static _ => 20 }, 0);
    private static readonly Option<int> DiskSettleOption = AtLeast(new("--disk-settle") { Description = "Before each pipeline the tool starts: at most this many seconds of waiting until the disk under its data takes an fsync'd append without a stall (a previous run's deleted data directory is discarded in the background on a file system mounted with discard); 0 starts at once.", DefaultValueFactory = static _ => 60 }, 0);
    private static readonly Option<bool> PeakOnlyOption = new("--peak-only") { Description = "Skip the half-rate latency phase." };
    private static readonly Option<string[]> SiloArgOption = new("--silo-arg") { Description = "A setting for the silo this tool starts, e.g. --silo-arg --Pipeline:Processing:Enabled=false; repeat for more." };
    private static readonly Option<string[]> SiloEnvOption = NamesAndValues(new("--silo-env") { Description = "An environment variable NAME=VALUE for the silos this tool starts only (not for the tool), e.g. --silo-env DOTNET_TieredPGO=1; repeat for more." });
    private static readonly Option<int> EndToEndRateOption = AtLeast(new("--e2e-rate") { Description = $"End-to-end mode: post at this many events/s, then wait until the archive holds every ACKed event; ends with whether the rate was sustained (no loss, ACK p99 under {EndToEnd.AckP99Target.TotalMilliseconds} ms in every {PhaseResult.WindowWidth.TotalSeconds} s after the first, resident memory under {EndToEnd.ResidentBudget >> 20} MiB, the archive caught up)." }, 0);
    private static readonly Option<string[]> ProtocolsOption = new("--protocol") { Description = "Also measure the peak through a shipper protocol, with the same events and batch sizes: hec, otlp-http or otlp-grpc, or native for /v1/events again; repeat for more, measured in that order." };
    private static readonly Option<string> GrpcUrlOption = new("--grpc-url") { Description = "OTLP/gRPC address of the gateway behind --url (e.g. http://host:4317), for --protocol otlp-grpc.", DefaultValueFactory = static _ => "" };
    private static readonly Option<int> IdleTenantsOption = AtLeast(new("--idle-tenants") { Description = "Idle-tenant mode: create this many tenants, post 10 events to each, and print the silo's memory, activations and CPU once archived and after --idle-minutes." }, 0);
    private static readonly Option<int> IdleMinutesOption = AtLeast(new("--idle-minutes") { Description = "Minutes the tenants stay idle in --idle-tenants mode.", DefaultValueFactory = static _ => 5 }, 0);
    private static readonly Option<int> EndToEndWarmOption = AtLeast(new("--e2e-warm") { Description = "End-to-end mode: first post at the same rate for this many seconds to other tenants, wait until their archive holds every ACKed event, then --cooldown seconds without requests, so the measured run starts on a warm silo (0: a cold one). A cooldown of a minute or more meets the gateway's idle trim (IdleMemoryTrimmer.QuietPeriod)." }, 0);
    private static readonly Option<bool> OrderingOption = new("--ordering") { Description = "Create the run's tenants with the order stage on (processing.ordering.enabled), off by default as for any tenant." };
    private static readonly Option<TimeSpan?> IdempotencyWindowOption = new("--idempotency-window") { Description = "The run's tenants' idempotency window (d.hh:mm:ss, 00:01:00 to 7.00:00:00), the tenant's default when omitted; with --idempotency-keys, how long each key's record stays in grain storage." };
    private static readonly Option<bool> IdempotencyKeysOption = new("--idempotency-keys") { Description = "Give each /v1/events request an Idempotency-Key of its own (never repeated), as a shipper that retries safely does; the request then goes through the key's grain and its two state writes." };
    private static readonly Option<bool> MemoryProbeOption = new("--memory-probe") { Description = "Memory mode: resident memory of the silo under --connections concurrent maximum-size requests and after." };
    private static readonly Option<bool> StageCostsOption = new("--stage-costs") { Description = "Stage-cost mode: what parsing, archive lines and compression cost per event on one thread, without a silo (--batch and --event-bytes shape the events)." };

    public string Url { get; private init; } = "";

    /// <summary>The pipelines started and measured in turn when no <see cref="Url"/> is given (<see cref="PipelineUnderTest"/>).</summary>
    public IReadOnlyList<string> Topologies { get; private init; } = [];

    public string SiloPath { get; private init; } = "";

    public string AdminKey { get; private init; } = "";

    public string EventHubsConnectionString { get; private init; } = "";

    public int Connections { get; private init; }

    public int Tenants { get; private init; }

    /// <summary>shardCount of each tenant the run creates; 0 leaves the tenant default.</summary>
    public int Shards { get; private init; }

    public int BatchEvents { get; private init; }

    public int EventBytes { get; private init; }

    public TimeSpan Duration { get; private init; }

    public TimeSpan Warmup { get; private init; }

    public TimeSpan Cooldown { get; private init; }

    /// <summary>How long the tool may wait for the disk to settle before it starts a pipeline (<see cref="DiskSettle"/>).</summary>
    public TimeSpan DiskSettle { get; private init; }

    public IReadOnlyList<string> SiloArguments { get; private init; } = [];

    /// <summary>
    /// The ingest grain's <c>Pipeline:Ingest:MaxMessageBytes</c> as the silos this tool starts read it from
    /// <see cref="SiloArguments"/>, the grain's default otherwise: the raw SDK baseline cuts a request as the grain does.
    /// </summary>
    public int IngestMessageBytes => new ConfigurationBuilder().AddCommandLine([.. SiloArguments]).Build()
        .GetValue("Pipeline:Ingest:MaxMessageBytes", new IngestOptions().MaxMessageBytes);

    public IReadOnlyDictionary<string, string> SiloEnvironment { get; private init; } = new Dictionary<string, string>();

    public int EndToEndRate { get; private init; }

    /// <summary>End-to-end mode: how long other tenants warm the silo before the measured run.</summary>
    public TimeSpan EndToEndWarm { get; private init; }

    public bool MemoryProbe { get; private init; }

    /// <summary>Whether each /v1/events request carries an Idempotency-Key of its own.</summary>
    public bool IdempotencyKeys { get; private init; }

    /// <summary>The run's tenants' idempotency window, or null for the tenant's default.</summary>
    public TimeSpan? IdempotencyWindow { get; private init; }

    public bool StageCosts { get; private init; }

    /// <summary>Whether the run's tenants have the order stage on.</summary>
    public bool Ordering { get; private init; }

    public int IdleTenants { get; private init; }

    public TimeSpan IdleDuration { get; private init; }

    public bool PeakOnly { get; private init; }

    /// <summary>Shipper protocols measured after <c>/v1/events</c>' peak (<see cref="ProtocolSender"/>).</summary>
    public IReadOnlyList<string> Protocols { get; private init; } = [];

    public string GrpcUrl { get; private init; } = "";

    /// <summary>The tool's command: every option above; <paramref name="run"/> gets them once they parsed.</summary>
    public static RootCommand Command(Func<LoadOptions, Task> run)
    {
        var command = new RootCommand("Load run against the gateway: peak ACKed throughput, ACK latency at half that rate and the raw Event Hubs SDK baseline; or end to end to the archive (--e2e-rate), the ingest memory probe (--memory-probe), what many idle tenants cost (--idle-tenants), or what the processor's stages cost per event without a silo (--stage-costs). Prints a Markdown report.")
        {
            UrlOption, TopologyOption, SiloOption, AdminKeyOption, EventHubsOption, ConnectionsOption, TenantsOption, ShardsOption, BatchOption, EventBytesOption,
            DurationOption, WarmupOption, CooldownOption, DiskSettleOption, PeakOnlyOption, SiloArgOption, SiloEnvOption, EndToEndRateOption, EndToEndWarmOption, OrderingOption, IdempotencyKeysOption, IdempotencyWindowOption, MemoryProbeOption, StageCostsOption, IdleTenantsOption, IdleMinutesOption, ProtocolsOption, GrpcUrlOption,
        };
        command.SetAction(result => run(From(result)));
        return command;
    }

    private static LoadOptions From(ParseResult result) => new()
    {
        Url = result.GetRequiredValue(UrlOption),
        Topologies = result.GetRequiredValue(TopologyOption),
        SiloPath = result.GetRequiredValue(SiloOption),
        AdminKey = result.GetRequiredValue(AdminKeyOption),
        EventHubsConnectionString = result.GetRequiredValue(EventHubsOption),
        Connections = result.GetValue(ConnectionsOption),
        Tenants = result.GetValue(TenantsOption),
        Shards = result.GetValue(ShardsOption),
        BatchEvents = result.GetValue(BatchOption),
        EventBytes = result.GetValue(EventBytesOption),
        Duration = TimeSpan.FromSeconds(result.GetValue(DurationOption)),
        Warmup = TimeSpan.FromSeconds(result.GetValue(WarmupOption)),
        Cooldown = TimeSpan.FromSeconds(result.GetValue(CooldownOption)),
        DiskSettle = TimeSpan.FromSeconds(result.GetValue(DiskSettleOption)),
        PeakOnly = result.GetValue(PeakOnlyOption),
        SiloArguments = result.GetValue(SiloArgOption) ?? [],
        SiloEnvironment = (result.GetValue(SiloEnvOption) ?? []).Select(static pair => pair.Split('=', 2)).ToDictionary(static pair => pair[0], static pair => pair[1], StringComparer.Ordinal),
        EndToEndRate = result.GetValue(EndToEndRateOption),
        EndToEndWarm = TimeSpan.FromSeconds(result.GetValue(EndToEndWarmOption)),
        MemoryProbe = result.GetValue(MemoryProbeOption),
        StageCosts = result.GetValue(StageCostsOption),
        Ordering = result.GetValue(OrderingOption),
        IdempotencyKeys = result.GetValue(IdempotencyKeysOption),
        IdempotencyWindow = result.GetValue(IdempotencyWindowOption),
        IdleTenants = result.GetValue(IdleTenantsOption),
        IdleDuration = TimeSpan.FromMinutes(result.GetValue(IdleMinutesOption)),
        Protocols = result.GetValue(ProtocolsOption) ?? [],
        GrpcUrl = result.GetRequiredValue(GrpcUrlOption),
    };

    private static Option<string[]> NamesAndValues(Option<string[]> option)
    {
        option.Validators.Add(result =>
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pair in result.GetValueOrDefault<string[]>() ?? [])
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals < 1)
                {
                    result.AddError($"--silo-env takes NAME=VALUE; got '{pair}'.");
                }
                else if (!names.Add(pair[..equals]))
                {
                    result.AddError($"--silo-env sets {pair[..equals]} more than once; give it once.");
                }
            }
        });
        return option;
    }

    private static Option<string[]> Topology(Option<string[]> option)
    {
        option.Validators.Add(result =>
        {
            foreach (var topology in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!PipelineUnderTest.Topologies.Contains(topology))
                {
                    result.AddError($"{option.Name} {topology} is not one of {string.Join(", ", PipelineUnderTest.Topologies)}.");
                }
            }
        });
        return option;
    }

    private static Option<int> AtLeast(Option<int> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < minimum)
            {
                result.AddError($"{option.Name} must be at least {minimum}.");
            }
        });
        return option;
    }
}
