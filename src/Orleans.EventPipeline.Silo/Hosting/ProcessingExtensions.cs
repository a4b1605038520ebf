using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Silo.Roles;
using Orleans.EventPipeline.Streaming.Hosting;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// The processing stages: the archive store of the mode, the in-cluster stream provider of the derived
/// streams, and users' grain assemblies. The grains' options are bound by <see cref="PipelineOptionsRegistration"/>.
/// </summary>
internal static class ProcessingExtensions
{
    /// <summary>Adds the processing stages; returns users' grain assemblies, loaded.</summary>
    public static IReadOnlyList<System.Reflection.Assembly> AddPipelineProcessing(this WebApplicationBuilder builder, PipelineSettings settings, string dataDirectory, AzureClients? azureClients)
    {
        var archive = settings.Archive;
        if (settings.Pipeline.Mode == PipelineMode.Local)
        {
            builder.Services.AddSingleton<IArchiveStore>(new LocalDirectoryArchiveStore(LocalArchiveRoot(archive, dataDirectory)));
        }
        else
        {
            builder.Services.AddSingleton<IArchiveStore>(new ProcessingBlobArchiveStore(azureClients!.ArchiveBlobs.GetBlobContainerClient(archive.Container)));
        }

        // Every role: a gateway loads a tenant's enrichment to check it before storing it, a processor to run it.
        builder.Services.AddSingleton(new LookupDirectory(LookupRoot(settings.Pipeline, dataDirectory), LookupSetting));
        builder.Services.AddSingleton<ArchiveBufferBudget>();
        builder.Services.AddSingleton<ReorderBufferBudget>();
        var userGrainAssemblies = ProcessingGrainAssemblies.Add(builder.Services, settings.Pipeline.GrainAssemblies);
        // In-cluster and not durable: the normalized and ordered streams are rebuilt from the durable raw
        // stream after a crash; the archive never reads them. Bounded by Pipeline:DerivedStreams.
        builder.UseOrleans(silo => silo.AddDerivedStreams(PipelineStreams.DerivedProviderName, EventStreams.DerivedHops, streams => streams.UseReceiverRole(settings)));
        return userGrainAssemblies;
    }

    /// <summary>The folder of <see cref="PipelineOptions.DataDirectory"/> lookup files are read from when <see cref="PipelineOptions.LookupDirectory"/> is unset.</summary>
    public const string LookupFolder = "lookups";

    /// <summary>The setting of the lookup directory, as refusals name it.</summary>
    public const string LookupSetting = PipelineOptions.SectionName + ":" + nameof(PipelineOptions.LookupDirectory);

    /// <summary>The directory of tenants' lookup files: <see cref="PipelineOptions.LookupDirectory"/>, else <see cref="LookupFolder"/> in the data directory.</summary>
    public static string LookupRoot(PipelineOptions pipeline, string dataDirectory) =>
        Path.TrimEndingDirectorySeparator(pipeline.LookupDirectory.Length > 0 ? Path.GetFullPath(pipeline.LookupDirectory) : Path.Combine(dataDirectory, LookupFolder));

    /// <summary>Local mode's archive root: <see cref="ArchiveOptions.Directory"/>, else <c>archive</c> in the data directory.</summary>
    public static string LocalArchiveRoot(ArchiveOptions archive, string dataDirectory) =>
        Path.TrimEndingDirectorySeparator(archive.Directory.Length > 0 ? Path.GetFullPath(archive.Directory) : Path.Combine(dataDirectory, "archive"));
}
