using System.Reflection;

namespace Orleans.EventPipeline.Deploy.Tests.Support;

/// <summary>Where the repository and what this project's build recorded are (assembly metadata).</summary>
internal static class Repository
{
    public static string Root { get; } = System.IO.Path.GetFullPath(Metadata("RepositoryRoot"));

    /// <summary>The build configuration these tests and the processes they start were built in (Debug, Release).</summary>
    public static string Configuration => Metadata("BuildConfiguration");

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"The test assembly was built without the {key} metadata.");
}
