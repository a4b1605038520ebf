using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Where azure mode writes the archive: a Blob container it can name and reach, each problem with the fix.
/// Local mode writes to a directory, which must not be or hold the data directory. The archive stage's own limits are
/// checked by <see cref="ArchiveOptionsValidator"/>.
/// </summary>
/// <param name="pipelineSetups">The binding of the <c>Pipeline</c> section, for the mode and the storage connection string.</param>
/// <param name="pipelinePostSetups">Anything configured after that binding.</param>
/// <param name="section">Configuration path the archive options are bound from, named in each failure.</param>
internal sealed class ArchiveLocationValidator(
    IEnumerable<IConfigureOptions<PipelineOptions>> pipelineSetups,
    IEnumerable<IPostConfigureOptions<PipelineOptions>> pipelinePostSetups,
    string section) : IValidateOptions<ArchiveOptions>
{
    public ValidateOptionsResult Validate(string? name, ArchiveOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PipelineOptions pipeline;
        try
        {
            // The Pipeline section as bound, without its own validation: a wrong port there must not hide
            // a missing archive store here (the Pipeline section's validator reports the port).
            pipeline = new OptionsFactory<PipelineOptions>(pipelineSetups, pipelinePostSetups).Create(Options.DefaultName);
        }
        catch (OptionsValidationException)
        {
            // The binder refused the Pipeline section, which its own registration reports; without a mode this check has nothing to go by.
            return ValidateOptionsResult.Skip;
        }

        if (pipeline.Mode != PipelineMode.Azure)
        {
            return ValidateLocal(options, pipeline);
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BlobServiceUri) && string.IsNullOrWhiteSpace(pipeline.Azure.StorageConnectionString))
        {
            failures.Add($"Azure mode archives to Blob storage: set {section}:BlobServiceUri (with DefaultAzureCredential) or Pipeline:Azure:StorageConnectionString.");
        }

        if (!string.IsNullOrWhiteSpace(options.BlobServiceUri) && !Uri.TryCreate(options.BlobServiceUri, UriKind.Absolute, out _))
        {
            failures.Add($"{section}:BlobServiceUri '{options.BlobServiceUri}' is not an absolute URI: use e.g. https://contoso.blob.core.windows.net.");
        }

        // Blob container names: 3-63 lower-case letters, digits and single dashes.
        if (options.Container.Length is < 3 or > 63 || !options.Container.All(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            failures.Add($"{section}:Container '{options.Container}' is not a Blob container name: use 3 to 63 lower-case letters, digits and '-'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // A tenant deleted with its data (data=remove) deletes the archive's folder of its name: in an archive that is or holds
    // the data directory, that may be the silo's own (tenant ids are folder names: "eventhubs", "data").
    private ValidateOptionsResult ValidateLocal(ArchiveOptions options, PipelineOptions pipeline)
    {
        var data = Path.TrimEndingDirectorySeparator(Path.GetFullPath(pipeline.DataDirectory));
        var root = ProcessingExtensions.LocalArchiveRoot(options, data);
        return DirectoryContainment.Contains(root, data)
            ? ValidateOptionsResult.Fail($"{section}:Directory '{root}' is or holds Pipeline:DataDirectory '{data}': deleting a tenant with its data would delete the folder of its name there, which may be the silo's own. Give the archive a directory beside it, e.g. --{section}:Directory={Path.TrimEndingDirectorySeparator(data)}-archive, or leave it unset ({data}/archive).")
            : ValidateOptionsResult.Success;
    }
}
