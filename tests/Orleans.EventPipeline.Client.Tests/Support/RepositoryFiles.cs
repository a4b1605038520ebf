using System.Reflection;

namespace Orleans.EventPipeline.Client.Tests.Support;

/// <summary>The repository this test assembly was built from, for the files it ships (infra/).</summary>
internal static class RepositoryFiles
{
    public static string Root => Path.GetFullPath(typeof(RepositoryFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(static a => a.Key == "RepositoryRoot").Value!);
}
