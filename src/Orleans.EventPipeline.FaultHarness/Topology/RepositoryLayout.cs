namespace Orleans.EventPipeline.FaultHarness.Topology;

/// <summary>
/// Where the processes the harness starts are: the repository it was built in, and the silo and
/// emulator hosts built with it (same configuration and framework), and Azurite from infra/test-deps.
/// </summary>
public sealed record RepositoryLayout(string Root, string SiloAssembly, string EmulatorAssembly, string AzuriteScript)
{
    public static RepositoryLayout Discover()
    {
        // The harness runs from src/Orleans.EventPipeline.FaultHarness/bin/{Configuration}/{TargetFramework}/,
        // or from a test project's output next to it; both sit under the repository root.
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orleans.EventPipeline.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException($"No Orleans.EventPipeline.sln above {AppContext.BaseDirectory}: run the harness from its build output in the repository.");
        }

        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        string Built(string project) => Path.Combine(directory.FullName, "src", project, "bin", configuration, framework, project + ".dll");
        var layout = new RepositoryLayout(
            directory.FullName,
            Built("Orleans.EventPipeline.Silo"),
            Built("Orleans.EventPipeline.EventHubsEmulator.Host"),
            Path.Combine(directory.FullName, "infra", "test-deps", "node_modules", "azurite", "dist", "src", "azurite.js"));
        foreach (var (path, fix) in new[]
        {
            (layout.SiloAssembly, "dotnet build Orleans.EventPipeline.sln"),
            (layout.EmulatorAssembly, "dotnet build Orleans.EventPipeline.sln"),
            (layout.AzuriteScript, "npm ci --prefix infra/test-deps"),
        })
        {
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"{path} is missing: run '{fix}' in {directory.FullName} first.");
            }
        }

        return layout;
    }
}
