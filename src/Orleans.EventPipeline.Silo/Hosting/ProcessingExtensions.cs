using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Silo.Roles;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// The processing stages: the archive store of the mode, the in-cluster stream provider of the derived
/// streams, the processing grains' options, and users' grain assemblies.
/// </summary>
internal static class ProcessingExtensions
{
    /// <summary>Adds the processing stages; returns users' grain assemblies, loaded.</summary>
    public static IReadOnlyList<System.Reflection.Assembly> AddPipelineProcessing(this WebApplicationBuilder builder, PipelineOptions options, string dataDirectory, AzureClients? azureClients)
    {
        var archive = options.Archive;
        builder.Services.AddOptions<ProcessingGrainOptions>().Configure(grains =>
        {
            grains.Archive = new ArchiveFlushPolicy { MaxBytes = archive.MaxBytes, MaxEvents = archive.MaxEvents, MaxAge = archive.MaxAge };
            grains.FlushCheckInterval = archive.FlushCheckInterval;
            grains.SettingsRefreshInterval = options.Processing.SettingsRefreshInterval;
            grains.RetainedDeadLetters = options.Processing.RetainedDeadLetters;
            grains.RetainedDeadLetterBytes = options.Processing.RetainedDeadLetterBytes;
        });

        if (options.Mode == PipelineMode.Local)
        {
            var root = archive.Directory.Length > 0 ? Path.GetFullPath(archive.Directory) : Path.Combine(dataDirectory, "archive");
            builder.Services.AddSingleton<IArchiveStore>(new LocalDirectoryArchiveStore(root));
        }
        else
        {
            builder.Services.AddSingleton<IArchiveStore>(new ProcessingBlobArchiveStore(azureClients!.ArchiveBlobs.GetBlobContainerClient(archive.Container)));
        }

        var userGrainAssemblies = ProcessingGrainAssemblies.Add(builder.Services, options.GrainAssemblies);
        // In-cluster and not durable: the normalized and ordered streams are rebuilt from the durable raw
        // stream after a crash; the archive never reads them.
        builder.UseOrleans(silo => silo.AddMemoryStreams(PipelineStreams.DerivedProviderName, streams => streams.UseReceiverRole(options)));
        return userGrainAssemblies;
    }
}
