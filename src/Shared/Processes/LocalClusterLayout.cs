namespace Orleans.EventPipeline.Processes;

/// <summary>
/// The local cluster of docs/DEPLOY.md, in azure mode on loopback: its defaults and how each silo is set up.
/// The plain launcher (src/Orleans.EventPipeline.LocalCluster) and the Aspire AppHost
/// (src/Orleans.EventPipeline.AppHost) both start what this describes.
/// </summary>
internal static class LocalClusterLayout
{
    /// <summary>Also the ServiceId (<see cref="AzureServices.ClusterId"/>).</summary>
    public const string ClusterId = "local-cluster";

    /// <summary>Pipeline:Archive:Container's default: where the processors write the archive in azure mode.</summary>
    public const string ArchiveContainer = "archive";

    /// <summary>The gateway's HTTP port unless told otherwise (the silo's own appsettings.json default).</summary>
    public const int DefaultHttpPort = 5080;

    public const int DefaultProcessors = 2;

    public const int DefaultPartitions = 4;

    /// <summary>Pipeline:AdminApiKey unless told otherwise; the silo asks for at least 16 characters.</summary>
    public const string DefaultAdminKey = "local-admin-key-change-me";

    public const string Gateway = "gateway";

    /// <summary>The name of processor <paramref name="number"/>, counted from 1.</summary>
    public static string Processor(int number) => $"processor-{number}";

    /// <summary>
    /// A silo named <paramref name="name"/> in <paramref name="role"/> (<c>gateway</c> or <c>processor</c>),
    /// its data in a folder of that name under <paramref name="data"/>.
    /// </summary>
    public static SiloStart Silo(string name, string role, string data, string adminKey, AzureServices services) =>
        new(name, Directory.CreateDirectory(Path.Combine(data, name)).FullName, adminKey)
        {
            Azure = services,
            Arguments = [$"--Pipeline:Role={role}"],
        };
}
