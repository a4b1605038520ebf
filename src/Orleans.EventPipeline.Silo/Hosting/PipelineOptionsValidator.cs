using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Every wrong setting of the <c>Pipeline</c> section itself and of the mode it chooses (<c>Pipeline:Local</c>
/// or <c>Pipeline:Azure</c>), each with the fix. The sections bound to other options classes have their own validators.
/// </summary>
internal sealed class PipelineOptionsValidator : IValidateOptions<PipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add("Pipeline:DataDirectory is empty: set it to a writable directory, e.g. --Pipeline:DataDirectory=./.data.");
        }
        else if (File.Exists(options.DataDirectory))
        {
            failures.Add($"Pipeline:DataDirectory '{options.DataDirectory}' is a file: point it at a directory (it is created when missing).");
        }

        CheckLookupDirectory(failures, options);
        if (!Enum.IsDefined(options.Role))
        {
            failures.Add($"Pipeline:Role '{options.Role}' is not a role: {RoleValues}.");
        }
        else if (options.Role != PipelineRole.All && options.Mode == PipelineMode.Local)
        {
            // Local mode keeps the stream log and grain state inside this one process, so no other
            // silo could share them: a cluster of roles needs the shared stores of azure mode.
            failures.Add($"Pipeline:Role is {options.Role.ToString().ToLowerInvariant()}, but local mode runs the whole pipeline in one process (embedded emulator, SQLite): use --Pipeline:Role=all, or --Pipeline:Mode=Azure for a cluster of gateway and processor silos.");
        }

        if (options.KubernetesHosting && options.Mode == PipelineMode.Local)
        {
            // Kubernetes hosting matches pods to the silos of a shared membership table; local mode has none.
            failures.Add("Pipeline:KubernetesHosting is true, but local mode runs one silo with no shared membership: set Pipeline:Mode=Azure, or Pipeline:KubernetesHosting=false.");
        }

        CheckId(failures, "ClusterId", options.ClusterId);
        CheckId(failures, "ServiceId", options.ServiceId);
        CheckPort(failures, "SiloPort", options.SiloPort);
        CheckPort(failures, "GatewayPort", options.GatewayPort);
        if (options.SiloPort == options.GatewayPort)
        {
            failures.Add($"Pipeline:SiloPort and Pipeline:GatewayPort are both {options.SiloPort}: give them different ports.");
        }

        if (options.AdminApiKey.Length is > 0 and < 16)
        {
            failures.Add("Pipeline:AdminApiKey is shorter than 16 characters: use a long random value, or leave it empty to turn the admin API off.");
        }

        if (options.AdminSessionLimit < TimeSpan.FromSeconds(1) || options.AdminSessionLimit > TimeSpan.FromDays(7))
        {
            failures.Add($"Pipeline:{nameof(PipelineOptions.AdminSessionLimit)} is {options.AdminSessionLimit}: use 00:00:01 to 7.00:00:00.");
        }

        failures.AddRange(options.Shippers.Validate(options.SiloPort, options.GatewayPort));
        failures.AddRange(options.Telemetry.Validate(options.AdminApiKey));
        failures.AddRange(ProcessingGrainAssemblies.Validate(options.GrainAssemblies));
        if (!System.Net.IPAddress.TryParse(options.AdvertisedAddress, out _))
        {
            failures.Add($"Pipeline:AdvertisedAddress '{options.AdvertisedAddress}' is not an IP address: use the address other silos reach this one at, e.g. 127.0.0.1 on one machine or the pod IP.");
        }

        CheckId(failures, "EventHubName", options.EventHubName);
        CheckId(failures, "ConsumerGroup", options.ConsumerGroup);
        if (options.Mode == PipelineMode.Local)
        {
            if (options.Local.EventHubsPort is < 0 or > 65535)
            {
                failures.Add($"Pipeline:Local:EventHubsPort is {options.Local.EventHubsPort}: use a TCP port between 1 and 65535, or 0 for any free port.");
            }

            if (options.Local.PartitionCount is < 1 or > 32)
            {
                failures.Add($"Pipeline:Local:PartitionCount is {options.Local.PartitionCount}: use 1 to 32 partitions.");
            }

            if (options.Local.RetentionBytesPerPartition < LocalModeOptions.SegmentBytes)
            {
                failures.Add($"Pipeline:Local:RetentionBytesPerPartition is {options.Local.RetentionBytesPerPartition}: keep at least one {LocalModeOptions.SegmentBytes}-byte segment per partition, e.g. 4294967296 (4 GiB).");
            }

            if (options.Local.RetentionPeriod <= TimeSpan.Zero)
            {
                failures.Add($"Pipeline:Local:RetentionPeriod is {options.Local.RetentionPeriod}: use a positive duration such as 7.00:00:00 (7 days).");
            }
        }
        else
        {
            CheckAzure(failures, options.Azure);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The allowed values of <c>Pipeline:Role</c>, for the messages that refuse another.</summary>
    public static readonly string RoleValues = "use all (the default: one process does everything), gateway (HTTP API only) or processor (tenant grains and stream receivers; HTTP health only)";

    /// <summary>
    /// What the binder's refusal of the section should say instead of its own message, or null: the binder
    /// names the key but not what it accepts, and a role is chosen from a short list.
    /// </summary>
    public static string? ExplainBindingFailure(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var role = section[nameof(PipelineOptions.Role)];
        return role is not null && !Enum.TryParse<PipelineRole>(role, ignoreCase: true, out _)
            ? $"{section.Path}:Role '{role}' is not a role: {RoleValues}."
            : null;
    }

    private static void CheckLookupDirectory(List<string> failures, PipelineOptions options)
    {
        const string Key = ProcessingExtensions.LookupSetting;
        if (options.LookupDirectory.Length == 0 || string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            // Unset: the default inside the data directory. Without a data directory, that setting's failure says enough.
            return;
        }

        if (string.IsNullOrWhiteSpace(options.LookupDirectory))
        {
            failures.Add($"{Key} is blank: leave it unset for lookups in Pipeline:DataDirectory, or name a directory.");
            return;
        }

        if (File.Exists(options.LookupDirectory))
        {
            failures.Add($"{Key} '{options.LookupDirectory}' is a file: point it at the directory that holds the lookup tables and GeoIP databases.");
            return;
        }

        // A tenant's table could name the silo's own files there (its grain state, its key ring), and load them as CSV.
        var data = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.DataDirectory));
        var lookups = ProcessingExtensions.LookupRoot(options, data);
        if (DirectoryContainment.Contains(lookups, data))
        {
            failures.Add($"{Key} '{lookups}' is or holds Pipeline:DataDirectory '{data}', whose files (grain state, keys) a tenant's lookup table could then name: give it a directory of its own, e.g. --{Key}={Path.Combine(data, ProcessingExtensions.LookupFolder)}, or leave it unset (the same).");
        }
    }

    private static void CheckAzure(List<string> failures, AzureModeOptions azure)
    {
        if (string.IsNullOrWhiteSpace(azure.EventHubsConnectionString) == string.IsNullOrWhiteSpace(azure.EventHubsNamespace))
        {
            failures.Add("Azure mode needs exactly one of Pipeline:Azure:EventHubsConnectionString or Pipeline:Azure:EventHubsNamespace (the latter signs in with DefaultAzureCredential).");
        }

        if (string.IsNullOrWhiteSpace(azure.StorageConnectionString) == string.IsNullOrWhiteSpace(azure.TableServiceUri))
        {
            failures.Add("Azure mode needs exactly one of Pipeline:Azure:StorageConnectionString or Pipeline:Azure:TableServiceUri (the latter signs in with DefaultAzureCredential).");
        }

        if (!string.IsNullOrWhiteSpace(azure.TableServiceUri) && !Uri.TryCreate(azure.TableServiceUri, UriKind.Absolute, out _))
        {
            failures.Add($"Pipeline:Azure:TableServiceUri '{azure.TableServiceUri}' is not an absolute URI: use e.g. https://contoso.table.core.windows.net.");
        }
    }

    private static void CheckPort(List<string> failures, string key, int port)
    {
        if (port is < 1 or > 65535)
        {
            failures.Add($"Pipeline:{key} is {port}: set it to a TCP port between 1 and 65535 (environment variable Pipeline__{key}).");
        }
    }

    private static void CheckId(List<string> failures, string key, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            failures.Add($"Pipeline:{key} is empty: set a name such as 'eventpipeline'.");
        }
    }
}
