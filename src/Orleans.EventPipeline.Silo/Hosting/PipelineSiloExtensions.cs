using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Orleans.EventPipeline.Grains.Ingest;
using Orleans.EventPipeline.Grains.Placement;
using Orleans.EventPipeline.Silo.Admin;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Gateway.Hec;
using Orleans.EventPipeline.Silo.Gateway.Otlp;
using Orleans.EventPipeline.Silo.Gateway.Shippers;
using Orleans.EventPipeline.Silo.Gateway.Memory;
using Orleans.EventPipeline.Silo.Health;
using Orleans.EventPipeline.Silo.Logging;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Composes the pipeline's process: options, the silo in its mode, gateway, dashboard, health.</summary>
public static class PipelineSiloExtensions
{
    /// <summary>
    /// Adds the Orleans silo and the gateway. Settings are bound and validated here, before anything
    /// starts, so a wrong value stops the process with a message instead of a half-started silo.
    /// </summary>
    public static WebApplicationBuilder AddPipelineSilo(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(PipelineOptions.SectionName);
        var options = BindStrictly(section);
        var validation = new PipelineOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(PipelineOptions), validation.Failures);
        }

        builder.Services.AddOptions<PipelineOptions>().Bind(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PipelineOptions>, PipelineOptionsValidator>();
        builder.Services.AddOptions<GatewayOptions>().Bind(section.GetSection("Gateway"));
        builder.Services.AddOptions<IngestOptions>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Logging.LeaveOutFalseAlarms();

        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        var azureClients = options.Mode == PipelineMode.Azure ? new AzureClients(options) : null;
        if (azureClients is not null)
        {
            builder.Services.AddSingleton(azureClients);
        }

        var embeddedEventHubs = "";
        if (options.Mode == PipelineMode.Local)
        {
            Directory.CreateDirectory(dataDirectory);
            embeddedEventHubs = builder.AddEmbeddedEventHubs(options, dataDirectory);
        }

        builder.UseOrleans(silo =>
        {
            if (options.Mode == PipelineMode.Local)
            {
                silo.UseLocalMode(options, dataDirectory, embeddedEventHubs);
            }
            else
            {
                silo.UseAzureMode(options, azureClients!);
            }

            silo.AddTenantShardPlacement();
            if (DashboardEndpoints.IsEnabled(options))
            {
                silo.AddDashboard();
            }
        });

        builder.AddGateway();
        builder.AddOtlpGrpc(options);
        var userGrainAssemblies = builder.AddPipelineProcessing(options, dataDirectory, azureClients);
        builder.UseOrleans(silo => silo.UsePipelineRole(options, userGrainAssemblies));
        // Orleans stops its silo gracefully (deactivating grains, leaving the cluster, checkpointing
        // the stream receivers) within this budget on SIGTERM.
        builder.Services.Configure<HostOptions>(static host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddPipelineHealthChecks(options.Mode);
        return builder;
    }

    /// <summary>
    /// Maps the HTTP features of the silo's role: health on every silo; ingest, tenant admin and the
    /// dashboard (behind the admin key) on a gateway or an all-in-one silo. A processor answers 404 to those.
    /// </summary>
    public static WebApplication MapPipeline(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<IOptions<PipelineOptions>>().Value.Role == PipelineRole.Processor)
        {
            app.MapPipelineHealth();
            return app;
        }

        app.MapIngest();
        app.MapHec();
        app.MapOtlpHttp();
        app.MapGrpcService<OtlpGrpcService>();
        app.MapTenantAdmin();
        app.MapProcessingAdmin();
        app.MapQuarantineAdmin();
        app.MapPipelineHealth();
        app.MapDashboard();
        return app;
    }

    private static void AddGateway(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(ApiJson.Configure);
        // Bounded: one entry per distinct key seen in the cache period.
        builder.Services.AddMemoryCache(static cache => cache.SizeLimit = 100_000);
        builder.Services.AddSingleton<ApiKeyResolver>();
        builder.Services.AddSingleton<TenantShards>();
        builder.Services.AddSingleton<ShipperIngest>();
        builder.Services.AddSingleton<HecAckChannels>();
        builder.Services.AddInFlightMemoryBudget();
    }

    // A misspelt key or a value of the wrong type is refused rather than silently defaulted.
    private static PipelineOptions BindStrictly(IConfigurationSection section)
    {
        try
        {
            return section.Get<PipelineOptions>(static binder => binder.ErrorOnUnknownConfiguration = true) ?? new PipelineOptions();
        }
        catch (InvalidOperationException exception)
        {
            // The binder names the key but not what it accepts; a role is chosen from a short list, so say it.
            var role = section[nameof(PipelineOptions.Role)];
            var failure = role is not null && !Enum.TryParse<PipelineRole>(role, ignoreCase: true, out _)
                ? $"Pipeline:Role '{role}' is not a role: {PipelineOptionsValidator.RoleValues}."
                : exception.Message;
            throw new OptionsValidationException(Options.DefaultName, typeof(PipelineOptions), [failure]);
        }
    }
}
