using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Silo.Roles;
using Orleans.EventPipeline.Streaming.Caching;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// The settings the host is built from — mode, ports, data directory, the stream cache ages Orleans'
/// stream provider takes, where the archive goes and whether this silo reads partitions — read in this
/// one place from the options <see cref="PipelineOptionsRegistration"/> binds, before anything is built.
/// </summary>
internal sealed record PipelineSettings(
    PipelineOptions Pipeline,
    ArchiveOptions Archive,
    ProcessingGrainOptions Processing,
    StreamCacheOptions StreamCache)
{
    /// <summary>Whether this silo runs the Event Hubs receivers (and the derived streams' agents).</summary>
    public bool RunsReceivers => ClusterRoles.RunsReceivers(Pipeline.Role, Processing);

    /// <summary>Binds and validates every section as the host will at start, and returns the values the host is built from.</summary>
    /// <exception cref="OptionsValidationException">A section is wrong; an <see cref="AggregateException"/> of them when several are.</exception>
    public static PipelineSettings Read(IConfiguration configuration)
    {
        // A provider of the options alone, so the host's own validators run now: a wrong value must not
        // reach the silo's builders, and every section's failures come in one report.
        using var options = new ServiceCollection().AddPipelineOptions(configuration).BuildServiceProvider();
        options.GetRequiredService<IStartupValidator>().Validate();
        return new PipelineSettings(
            Value<PipelineOptions>(options),
            Value<ArchiveOptions>(options),
            Value<ProcessingGrainOptions>(options),
            Value<StreamCacheOptions>(options));
    }

    private static T Value<T>(IServiceProvider options)
        where T : class => options.GetRequiredService<IOptions<T>>().Value;
}
