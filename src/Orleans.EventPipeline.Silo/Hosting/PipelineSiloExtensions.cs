using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Orleans.EventPipeline.Grains.Ingest;
using Orleans.EventPipeline.Grains.Placement;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Silo.Admin;
using Orleans.EventPipeline.Silo.Admin.Authentication;
using Orleans.EventPipeline.Silo.Dashboard;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Gateway.Hec;
using Orleans.EventPipeline.Silo.Gateway.Memory;
using Orleans.EventPipeline.Silo.Gateway.Otlp;
using Orleans.EventPipeline.Silo.Gateway.Shippers;
using Orleans.EventPipeline.Silo.Health;
using Orleans.EventPipeline.Silo.Idempotency;
using Orleans.EventPipeline.Silo.Logging;
using Orleans.EventPipeline.Silo.Observability;
using Orleans.EventPipeline.Silo.Roles;
using Orleans.EventPipeline.Silo.Warmup;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Composes the pipeline's process: options, the silo in its mode, gateway, dashboard, health.</summary>
public static class PipelineSiloExtensions
{
    /// <summary>
    /// What the silo itself has on SIGTERM once its requests are answered: deactivating grains, leaving the cluster,
    /// checkpointing the stream receivers.
    /// </summary>
    internal static readonly TimeSpan SiloStopAllowance = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the process has on SIGTERM to stop gracefully: the web host first lets each request in flight finish,
    /// and one may wait up to <paramref name="durableWriteTimeout"/> for its write to be confirmed (cut off, a write
    /// that landed goes unanswered and its retry stores it again), then the silo stops within
    /// <see cref="SiloStopAllowance"/>. 60 s with the defaults; an orchestrator's grace period must be longer (infra/k8s).
    /// </summary>
    internal static TimeSpan ShutdownTimeout(TimeSpan durableWriteTimeout) => durableWriteTimeout + SiloStopAllowance;

    /// <summary>
    /// Adds the Orleans silo and the gateway. Settings are bound and validated here, before anything
    /// starts, so a wrong value stops the process with a message instead of a half-started silo.
    /// </summary>
    public static WebApplicationBuilder AddPipelineSilo(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = PipelineSettings.Read(builder.Configuration);
        var options = settings.Pipeline;
        builder.Services.AddPipelineOptions(builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        // First of the hosted services: the floor is up before the silo and its endpoints take their first call.
        builder.Services.AddHostedService<ColdStartThreadFloor>();
        builder.Logging.LeaveOutFalseAlarms();
        // Validated with the pipeline's settings: a misspelt formatter would otherwise log plain text silently.
        builder.Services.AddSingleton<IValidateOptions<ConsoleLoggerOptions>, ConsoleFormatterValidator>();
        builder.Services.AddOptions<ConsoleLoggerOptions>().ValidateOnStart();

        // Without a trailing separator ("/data/"), as every path compared with it (DataDirectoryLock) is.
        var dataDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.DataDirectory));
        var azureClients = options.Mode == PipelineMode.Azure ? new AzureClients(settings) : null;
        if (azureClients is not null)
        {
            builder.Services.AddSingleton(azureClients);
        }

        var embeddedEventHubs = "";
        if (options.Mode == PipelineMode.Local)
        {
            embeddedEventHubs = builder.AddEmbeddedEventHubs(options, dataDirectory);
        }

        builder.UseOrleans(silo =>
        {
            if (options.Mode == PipelineMode.Local)
            {
                silo.UseLocalMode(settings, dataDirectory, embeddedEventHubs);
            }
            else
            {
                silo.UseAzureMode(settings, azureClients!);
            }

            silo.WriteEveryStateValue();
            silo.AddTenantShardPlacement();
            silo.BoundGrainDirectoryCache();
            if (DashboardEndpoints.IsEnabled(options))
            {
                silo.AddDashboard();
            }
        });

        builder.Services.AddPipelineKeyRing(settings, dataDirectory, azureClients);
        builder.Services.AddIdempotencyRecordSweep(options, azureClients);
        builder.AddGateway();
        builder.AddOtlpGrpc(options);
        var userGrainAssemblies = builder.AddPipelineProcessing(settings, dataDirectory, azureClients);
        builder.UseOrleans(silo =>
        {
            silo.UsePipelineRole(settings, userGrainAssemblies);
            if (options.KubernetesHosting)
            {
                // After the role, so the pod's name (gateway-…, processor-…) is the silo's name: Orleans' agent
                // matches pods to silos by it.
                silo.UseKubernetesHosting();
            }
        });
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<GatewayOptions>>(
            static (host, gateway) => host.ShutdownTimeout = ShutdownTimeout(gateway.Value.DurableWriteTimeout));
        builder.Services.AddStartupWarmup(options.Role);
        builder.Services.AddPipelineHealthChecks(options.Mode, options.Role);
        builder.AddPipelineTelemetry(options.Telemetry, options.Role);
        if (options.Mode == PipelineMode.Local)
        {
            // The first hosted service the host builds: the directory is this silo's before the silo, the emulator,
            // the grain database or the archive open anything under it.
            builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(_ => DataDirectoryLock.Take(dataDirectory, "Pipeline:DataDirectory")));
            var locks = 1;
            var archiveRoot = ProcessingExtensions.LocalArchiveRoot(settings.Archive, dataDirectory);
            if (!DirectoryContainment.Contains(archiveRoot, dataDirectory))
            {
                // Another silo's archive (by default in its data directory) would be replaced. An archive that is or holds
                // the data directory is refused by ArchiveLocationValidator instead.
                builder.Services.Insert(locks++, ServiceDescriptor.Singleton<IHostedService>(_ => DataDirectoryLock.Take(archiveRoot, "Pipeline:Archive:Directory", dataDirectory)));
            }

            // Right after the locks, before Orleans and the emulator bind: a directory another silo holds is said first.
            builder.Services.Insert(locks, ServiceDescriptor.Singleton<IHostedService>(services => ListeningPortsCheck.Run(services.GetRequiredService<IConfiguration>())));
        }

        return builder;
    }

    /// <summary>
    /// Maps the HTTP features of the silo's role: health on every silo; ingest, tenant admin, its OpenAPI
    /// document, the Orleans Dashboard and the tenant dashboard at /ui (behind the admin key) on a gateway or
    /// an all-in-one silo. A processor answers 404 to those.
    /// </summary>
    public static WebApplication MapPipeline(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!ClusterRoles.ServesIngest(app.Services.GetRequiredService<IOptions<PipelineOptions>>().Value.Role))
        {
            app.MapPipelineHealth();
            return app;
        }

        app.UseProblemAnswers();
        app.MapIngest();
        app.MapHec();
        app.MapOtlpHttp();
        app.MapGrpcService<OtlpGrpcService>();
        app.MapTenantAdmin();
        app.MapProcessingAdmin();
        app.MapQuarantineAdmin();
        app.MapAdminOpenApi();
        app.MapPipelineHealth();
        app.MapDashboard();
        app.MapTenantDashboard();
        return app;
    }

    private static void AddGateway(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemAnswers();
        builder.Services.ConfigureHttpJsonOptions(ApiJson.Configure);
        // Bounded: one entry per distinct key seen in the cache period.
        builder.Services.AddMemoryCache(static cache => cache.SizeLimit = 100_000);
        builder.Services.AddSingleton<ApiKeyResolver>();
        builder.Services.AddSingleton<TenantShards>();
        builder.Services.AddSingleton<IdempotencyGrains>();
        builder.Services.AddSingleton<ShipperIngest>();
        builder.Services.AddSingleton<HecAckChannels>();
        builder.Services.AddInFlightMemoryBudget();
        builder.Services.AddAdminAuthentication();
        builder.Services.AddAdminOpenApi();
        builder.Services.AddTenantDashboard();
    }
}
