using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Grains.Ingest;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Warmup;
using Orleans.EventPipeline.Streaming.Caching;
using Orleans.EventPipeline.Streaming.Derived;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Binds each part of the <c>Pipeline</c> configuration section, once, to the options class of the code
/// that uses it, with that class's validator run when the host starts. A misspelt key or a value of the
/// wrong type fails like a value out of range, and every section's failures are reported together.
/// </summary>
internal static class PipelineOptionsRegistration
{
    private const string ArchivePath = PipelineOptions.SectionName + ":Archive";
    private const string ProcessingPath = PipelineOptions.SectionName + ":Processing";
    private const string StreamCachePath = PipelineOptions.SectionName + ":StreamCache";
    private const string DerivedStreamsPath = PipelineOptions.SectionName + ":DerivedStreams";
    private const string IngestPath = PipelineOptions.SectionName + ":Ingest";

    /// <summary>Each section bound here and its options class, in the order <c>--help</c> lists them (<see cref="SiloHelp"/>).</summary>
    public static IReadOnlyList<(string Path, Type Options)> Sections { get; } =
    [
        (PipelineOptions.SectionName, typeof(PipelineOptions)),
        (GatewayOptions.SectionName, typeof(GatewayOptions)),
        (IngestPath, typeof(IngestOptions)),
        (ProcessingPath, typeof(ProcessingGrainOptions)),
        (ArchivePath, typeof(ArchiveOptions)),
        (StreamCachePath, typeof(StreamCacheOptions)),
        (DerivedStreamsPath, typeof(DerivedStreamOptions)),
        (WarmupOptions.SectionName, typeof(WarmupOptions)),
    ];

    public static IServiceCollection AddPipelineOptions(this IServiceCollection services, IConfiguration configuration)
    {
        var pipeline = configuration.GetSection(PipelineOptions.SectionName);
        var archive = configuration.GetSection(ArchivePath);
        var processing = configuration.GetSection(ProcessingPath);
        var gateway = configuration.GetSection(GatewayOptions.SectionName);
        var streamCache = configuration.GetSection(StreamCachePath);
        var derivedStreams = configuration.GetSection(DerivedStreamsPath);
        var ingest = configuration.GetSection(IngestPath);
        var warmup = configuration.GetSection(WarmupOptions.SectionName);

        services.AddSection(pipeline, new PipelineOptionsValidator(), PipelineOptionsValidator.ExplainBindingFailure, archive, processing, gateway, streamCache, derivedStreams, ingest, warmup);
        services.AddSection(archive, new ArchiveOptionsValidator(archive.Path));
        services.AddSingleton<IValidateOptions<ArchiveOptions>>(options => ActivatorUtilities.CreateInstance<ArchiveLocationValidator>(options, archive.Path));
        services.AddSection(processing, new ProcessingGrainOptionsValidator(processing.Path));
        services.AddSection(gateway, new GatewayOptionsValidator());
        services.AddSection(streamCache, new StreamCacheOptionsValidator(streamCache.Path));
        services.AddSection(derivedStreams, new DerivedStreamOptionsValidator(derivedStreams.Path));
        services.AddSection(ingest, ValidatorFor(ingest, gateway));
        services.AddSection(warmup, new WarmupOptionsValidator());
        return services;
    }

    // The ingest grain's message must hold the gateway's largest event: both read the same configuration, whichever silo runs them.
    private static IngestOptionsValidator ValidatorFor(IConfigurationSection ingest, IConfigurationSection gateway)
    {
        var maxEventBytes = gateway.GetValue(nameof(GatewayOptions.MaxEventBytes), new GatewayOptions().MaxEventBytes);
        return new IngestOptionsValidator(ingest.Path, maxEventBytes);
    }

    private static void AddSection<TOptions>(this IServiceCollection services, IConfigurationSection section, IValidateOptions<TOptions> validator)
        where TOptions : class => services.AddSection(section, validator, explain: null);

    /// <param name="explain">A clearer message for a value the binder refuses, when the binder's own does not say what is accepted.</param>
    /// <param name="boundElsewhere">Sections inside <paramref name="section"/> that other options classes bind: not unknown keys of this one.</param>
    private static void AddSection<TOptions>(
        this IServiceCollection services,
        IConfigurationSection section,
        IValidateOptions<TOptions> validator,
        Func<IConfigurationSection, string?>? explain,
        params IConfigurationSection[] boundElsewhere)
        where TOptions : class
    {
        services.AddSingleton(validator);
        services.AddOptions<TOptions>()
            .Configure(options => BindStrictly(section, options, explain, boundElsewhere))
            .ValidateOnStart();
    }

    private static void BindStrictly<TOptions>(IConfigurationSection section, TOptions options, Func<IConfigurationSection, string?>? explain, IConfigurationSection[] boundElsewhere)
        where TOptions : class
    {
        try
        {
            Without(section, boundElsewhere).Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException exception)
        {
            // Reported with the validators' failures: a misspelt key is refused rather than silently defaulted.
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), [explain?.Invoke(section) ?? $"In {section.Path}: {exception.Message}"]);
        }
    }

    /// <summary>The keys of <paramref name="section"/> outside <paramref name="boundElsewhere"/>, under their full paths so the binder's messages name the key as it is configured.</summary>
    private static IConfiguration Without(IConfigurationSection section, IConfigurationSection[] boundElsewhere)
    {
        if (boundElsewhere.Length == 0)
        {
            return section;
        }

        var own = section.AsEnumerable().Where(setting => !boundElsewhere.Any(other =>
            setting.Key.Equals(other.Path, StringComparison.OrdinalIgnoreCase)
            || setting.Key.StartsWith(other.Path + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase)));
        return new ConfigurationBuilder().AddInMemoryCollection(own).Build().GetSection(section.Path);
    }
}
