using System.Reflection;

namespace Orleans.EventPipeline.Processes;

/// <summary>
/// The silo and emulator hosts built with the program that starts them (same configuration and framework),
/// as its build recorded them in assembly metadata (<c>SiloAssemblyPath</c>, <c>EmulatorAssemblyPath</c>).
/// </summary>
internal static class BuiltHosts
{
    public static string Silo => Recorded("SiloAssemblyPath");

    public static string Emulator => Recorded("EmulatorAssemblyPath");

    private static string Recorded(string key)
    {
        var recorded = typeof(BuiltHosts).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)
            ?? throw new InvalidOperationException($"{typeof(BuiltHosts).Assembly.GetName().Name} was built without the {key} metadata: its project must record where the host it starts is built.");
        var path = Path.GetFullPath(recorded.Value!);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: run 'dotnet build Orleans.EventPipeline.sln' in the repository first.");
    }
}
