using Orleans.Dashboard;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.EventPipeline.Persistence.Sqlite.Hosting;
using Orleans.EventPipeline.Silo.Health;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Composes the pipeline's silo: options, clustering, storage, dashboard, health.</summary>
public static class PipelineSiloExtensions
{
    /// <summary>
    /// Adds the Orleans silo in local mode. Settings are bound and validated here, before anything
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
        builder.Services.AddSingleton(TimeProvider.System);

        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(dataDirectory);

        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            silo.AddSqliteGrainStorage(PipelineStorage.Tenants, sqlite => sqlite.DatabasePath = Path.Combine(dataDirectory, "grains.db"));
            silo.AddDashboard();
        });

        // Orleans stops its silo gracefully (deactivating grains, leaving the cluster) within this
        // budget on SIGTERM; 30 s covers a full stream checkpoint flush.
        builder.Services.Configure<HostOptions>(static host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddPipelineHealthChecks();
        return builder;
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
            throw new OptionsValidationException(Options.DefaultName, typeof(PipelineOptions), [exception.Message]);
        }
    }
}
