using System.Reflection;

namespace Orleans.EventPipeline.FaultHarness.Topology;

/// <summary>The silo and emulator hosts built with the harness (same configuration and framework), as its build recorded them.</summary>
internal sealed record RepositoryLayout(string SiloAssembly, string EmulatorAssembly)
{
    public static RepositoryLayout Discover()
    {
        string Recorded(string key) => Path.GetFullPath(typeof(RepositoryLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!);
        var layout = new RepositoryLayout(Recorded("SiloAssemblyPath"), Recorded("EmulatorAssemblyPath"));
        foreach (var path in new[] { layout.SiloAssembly, layout.EmulatorAssembly })
        {
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"{path} is missing: run 'dotnet build Orleans.EventPipeline.sln' in {Recorded("RepositoryRoot")} first.");
            }
        }

        return layout;
    }
}
