using Orleans.EventPipeline.Administration;
using System.Globalization;
using Orleans.EventPipeline.LoadGenerator;

// Load run: peak ACKed throughput through the gateway, ACK latency at half that rate, and in the
// same run the raw SDK baseline against the same event hub. Prints a Markdown report.
return await LoadOptions.Command(RunAsync).Parse(args).InvokeAsync();

static async Task RunAsync(LoadOptions options)
{
    if (options.StageCosts)
    {
        StageCosts.Run(options);
        return;
    }

    if (options.Url.Length > 0)
    {
        await MeasureAsync(options, pipeline: null, new Uri(options.Url), options.EventHubsConnectionString, options.GrpcUrl.Length > 0 ? new Uri(options.GrpcUrl) : null);
        return;
    }

    foreach (var topology in options.Topologies)
    {
        await using var pipeline = await PipelineUnderTest.StartAsync(topology, options, CancellationToken.None);
        Console.WriteLine();
        Console.WriteLine($"## {topology}: {pipeline.Description}");
        Console.WriteLine();
        await MeasureAsync(options, pipeline, pipeline.Gateway.Url, pipeline.EventHubsConnectionString, pipeline.Gateway.OtlpGrpcUrl);
    }
}

static async Task MeasureAsync(LoadOptions options, PipelineUnderTest? pipeline, Uri url, string eventHubs, Uri? grpcUrl)
{

    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = url,
        Timeout = TimeSpan.FromSeconds(60),
    };
    if (options.IdleTenants > 0)
    {
        await IdleTenants.RunAsync(http, pipeline ?? throw new InvalidOperationException("Idle-tenant mode reads the memory of a silo it starts: leave out --url."), options);
        return;
    }

    var (tenants, keys) = await CreateTenantsAsync(http, options, "load");
    var bodies = BatchBodies.Create(options.BatchEvents, options.EventBytes);
    var load = new GatewayLoad(http, keys, bodies, options.BatchEvents, idempotencyKeys: options.IdempotencyKeys);

    if (options.MemoryProbe)
    {
        await MemoryProbe.RunAsync(http, pipeline?.Gateway.Process ?? throw new InvalidOperationException("The memory probe reads the resident memory of a silo it starts: leave out --url."), keys, options.Connections);
        return;
    }

    if (options.EndToEndRate > 0)
    {
        var measured = pipeline ?? throw new InvalidOperationException("End-to-end mode reads the archive of a pipeline it starts: leave out --url.");
        if (options.EndToEndWarm > TimeSpan.Zero)
        {
            var (warmTenants, warmKeys) = await CreateTenantsAsync(http, options, "warm");
            await EndToEnd.WarmAsync(new GatewayLoad(http, warmKeys, bodies, options.BatchEvents, idempotencyKeys: options.IdempotencyKeys), measured, warmTenants, options);
        }

        await EndToEnd.RunAsync(load, measured, tenants, options);
        return;
    }

    Console.WriteLine($"warm-up {options.Warmup.TotalSeconds} s ...");
    await load.RunPeakAsync(options.Connections, options.Warmup);
    var before = pipeline?.Use();
    var peak = await load.RunPeakAsync(options.Connections, options.Duration);
    var peakCost = pipeline is null ? null : ResourceUse.Describe(before!, pipeline.Use(), peak.Events);
    // The high-water mark since the silos started: warm-up and peak, before any later phase could raise it.
    var peakResident = pipeline?.DescribeResident(pipeline.PeakResidentBytes());
    var peakRate = peak.EventsPerSecond;

    // Each shipper protocol's peak right after /v1/events', with the same events, batches and connections.
    var protocolPeaks = new List<(string Protocol, PhaseResult Peak, string? Cost)>();
    foreach (var protocol in options.Protocols)
    {
        // "native" is /v1/events again: repeated between the others, it shows how much of a difference is the phase's place in the run.
        using var sender = protocol == ProtocolSender.Native ? null : ProtocolSender.Create(protocol, http, grpcUrl, bodies);
        var protocolLoad = new GatewayLoad(http, keys, bodies, options.BatchEvents, sender);
        await Task.Delay(options.Cooldown);
        await protocolLoad.RunPeakAsync(options.Connections, options.Warmup);
        var protocolBefore = pipeline?.Use();
        var protocolPeak = await protocolLoad.RunPeakAsync(options.Connections, options.Duration);
        protocolPeaks.Add((protocol, protocolPeak, pipeline is null ? null : ResourceUse.Describe(protocolBefore!, pipeline.Use(), protocolPeak.Events)));
    }
    PhaseResult? paced = null;
    if (!options.PeakOnly)
    {
        // The peak phase leaves work behind (stream receivers reading back what was just written); the
        // half-rate phase measures steady latency, so it starts once that backlog is gone.
        await Task.Delay(options.Cooldown);
        paced = await load.RunPacedAsync(peakRate / 2, options.Connections * 2, options.Duration);
    }

    PhaseResult? baseline = null;
    PhaseResult? pacedBaseline = null;
    if (eventHubs.Length > 0)
    {
        // The silo processes what the gateway phases wrote after they end; the baseline starts once that
        // backlog is gone, or it would share the cores with it (the baseline's own events are processed too).
        await Task.Delay(options.Cooldown);
        var batches = new SdkBaseline.Batches(bodies, options.BatchEvents, tenants, options.IngestMessageBytes);
        await SdkBaseline.RunAsync(eventHubs, batches, options.Connections, options.Warmup);
        baseline = await SdkBaseline.RunAsync(eventHubs, batches, options.Connections, options.Duration);
        if (paced is not null)
        {
            await Task.Delay(options.Cooldown);
            pacedBaseline = await SdkBaseline.RunPacedAsync(eventHubs, batches, peakRate / 2, options.Connections * 2, options.Duration);
        }
    }

    Console.WriteLine();
    Console.WriteLine($"connections {options.Connections}, tenants {options.Tenants}, batch {options.BatchEvents} events x ~{options.EventBytes} B{(options.IdempotencyKeys ? ", an Idempotency-Key per request" : "")}{(options.IdempotencyWindow is { } window ? $", idempotency window {window:c}" : "")}, {options.Duration.TotalSeconds} s per phase, {Environment.ProcessorCount} cores");
    Console.WriteLine();
    Console.WriteLine("| phase | ACKed events/s | MB/s | p50 ms | p99 ms | p99.9 ms | errors |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
    Row("gateway, peak (closed loop)", peak);
    foreach (var (protocol, protocolPeak, _) in protocolPeaks)
    {
        Row($"{protocol}, peak (closed loop)", protocolPeak);
    }

    if (paced is not null)
    {
        Row($"gateway, paced at {peakRate / 2:N0} events/s", paced);
    }

    if (baseline is not null)
    {
        Row("raw SDK EventHubProducerClient (baseline)", baseline);
        if (pacedBaseline is not null)
        {
            Row($"raw SDK, paced at {peakRate / 2:N0} events/s", pacedBaseline);
        }

        var baselineRate = baseline.EventsPerSecond;
        Console.WriteLine();
        Console.WriteLine($"gateway peak / raw SDK baseline = {peakRate / baselineRate:P0}");
    }

    if (peakCost is not null)
    {
        Console.WriteLine();
        Console.WriteLine($"gateway peak phase: {peakCost}");
        foreach (var (protocol, _, cost) in protocolPeaks)
        {
            Console.WriteLine($"{protocol} peak phase: {cost}");
        }

        Console.WriteLine($"silos' peak resident memory through the gateway peak (MiB): {peakResident}");
    }
}

static void Row(string name, PhaseResult r)
{
    var statuses = string.Join(" ", r.Statuses.OrderBy(static s => s.Key).Select(static s => $"{s.Key}:{s.Value}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {r.EventsPerSecond:N0} | {r.BytesPerSecond / 1e6:N1} | {r.Latency.Milliseconds(50):N1} | {r.Latency.Milliseconds(99):N1} | {r.Latency.Milliseconds(99.9):N1} | {r.Errors} ({statuses}) |"));
}

/// <summary>The run's tenants, <paramref name="prefix"/>-0 on, each with its key; limits above anything the run can send: the tool measures the pipeline, not the tenant's limit.</summary>
static async Task<(List<string> Tenants, List<string> Keys)> CreateTenantsAsync(HttpClient http, LoadOptions options, string prefix)
{
    var tenants = new List<string>();
    var keys = new List<string>();
    for (var t = 0; t < options.Tenants; t++)
    {
        var id = $"{prefix}-{t}";
        tenants.Add(id);
        keys.Add(await TenantAdmin.CreateWithKeyAsync(http, http.BaseAddress!, options.AdminKey, id, new
        {
            displayName = id,
            enabled = true,
            limits = new { eventsPerSecond = 10_000_000.0, bytesPerSecond = 10_000_000_000.0, burstSeconds = 2.0 },
            shardCount = options.Shards > 0 ? (int?)options.Shards : null,
            idempotencyWindow = options.IdempotencyWindow,
            processing = new { ordering = new { enabled = options.Ordering } },
        }, prefix));
    }

    return (tenants, keys);
}
