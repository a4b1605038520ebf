using System.Globalization;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>Command-line settings of one load run.</summary>
internal sealed class LoadOptions
{
    /// <summary>Gateway base URL; empty starts a silo (local mode, fresh data directory) for the run.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Path of Orleans.EventPipeline.Silo.dll to start when no URL is given.</summary>
    public string SiloPath { get; private set; } = "";

    public string AdminKey { get; private set; } = "load-admin-key-0123456789";

    /// <summary>Connection string of the event hub behind the gateway, for the raw SDK baseline.</summary>
    public string EventHubsConnectionString { get; private set; } = "";

    public int Connections { get; private set; } = 8;

    public int Tenants { get; private set; } = 4;

    /// <summary>shardCount of each tenant the run creates; 0 leaves the tenant default.</summary>
    public int Shards { get; private set; }

    public int BatchEvents { get; private set; } = 1000;

    public int EventBytes { get; private set; } = 500;

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(20);

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause between the peak and the half-rate phase, so the second starts from a drained system.</summary>
    public TimeSpan Cooldown { get; private set; } = TimeSpan.FromSeconds(20);

    /// <summary>Extra command-line settings for the silo this tool starts (e.g. --Pipeline:Processing:Enabled=false).</summary>
    public List<string> SiloArguments { get; } = [];

    /// <summary>End-to-end mode: post at this many events/s, then wait until the archive holds every ACKed event.</summary>
    public int EndToEndRate { get; private set; }

    /// <summary>Memory mode: resident memory of the silo under --connections concurrent maximum-size requests and after.</summary>
    public bool MemoryProbe { get; private set; }

    /// <summary>Skip the half-rate latency phase.</summary>
    public bool PeakOnly { get; private set; }

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--url": options.Url = Next(); break;
                case "--silo": options.SiloPath = Next(); break;
                case "--admin-key": options.AdminKey = Next(); break;
                case "--eventhubs": options.EventHubsConnectionString = Next(); break;
                case "--connections": options.Connections = NextInt(); break;
                case "--tenants": options.Tenants = NextInt(); break;
                case "--shards": options.Shards = NextInt(); break;
                case "--batch": options.BatchEvents = NextInt(); break;
                case "--event-bytes": options.EventBytes = NextInt(); break;
                case "--duration": options.Duration = TimeSpan.FromSeconds(NextInt()); break;
                case "--warmup": options.Warmup = TimeSpan.FromSeconds(NextInt()); break;
                case "--cooldown": options.Cooldown = TimeSpan.FromSeconds(NextInt()); break;
                case "--peak-only": options.PeakOnly = true; break;
                case "--silo-arg": options.SiloArguments.Add(Next()); break;
                case "--e2e-rate": options.EndToEndRate = NextInt(); break;
                case "--memory-probe": options.MemoryProbe = true; break;
                default: throw new ArgumentException($"Unknown option {args[i]}. Options: --url --silo --admin-key --eventhubs --connections --tenants --shards --batch --event-bytes --duration --warmup --cooldown --peak-only --silo-arg --e2e-rate --memory-probe");
            }
        }

        if (options.Connections < 1 || options.Tenants < 1 || options.BatchEvents < 1 || options.EventBytes < 32)
        {
            throw new ArgumentException("--connections, --tenants and --batch must be at least 1, --event-bytes at least 32.");
        }

        return options;
    }
}
