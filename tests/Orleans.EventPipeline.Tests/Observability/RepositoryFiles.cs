using System.Reflection;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>Files of the repository the tests read as shipped: the dashboard, the alert rules, the docs.</summary>
internal static class RepositoryFiles
{
    public static readonly string Root = typeof(RepositoryFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(static attribute => attribute.Key == "RepositoryRoot").Value!;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static Task<string> ReadAsync(params string[] parts) => File.ReadAllTextAsync(PathOf(parts));
}
