using System.Reflection;
using System.Runtime.Loader;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Users' grain assemblies named in <c>Pipeline:GrainAssemblies</c>. Orleans finds grains, interfaces and
/// serializers through the type manifest its source generator puts in each assembly; handing the loaded
/// assembly to the serializer builder registers that manifest, which is all an assembly not referenced
/// at build time needs.
/// </summary>
internal static class ProcessingGrainAssemblies
{
    /// <summary>
    /// Every path that is not a .NET assembly, each with the fix. A folder was answered "does not exist"; a file that is
    /// not an assembly (a native library, a text file named .dll) passed, and the load aborted the start with a stack trace
    /// (code 134, helper-141).
    /// </summary>
    public static IEnumerable<string> Validate(IReadOnlyList<string> paths)
    {
        for (var i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            var setting = $"Pipeline:GrainAssemblies:{i} '{path}'";
            if (!string.IsNullOrWhiteSpace(path) && Directory.Exists(path))
            {
                yield return $"{setting} is a folder: give the built grain assembly in it (.dll), e.g. bin/Release/net10.0/MyGrains.dll.";
            }
            else if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
            {
                yield return $"{setting} does not exist: give the path of a built grain assembly (.dll), e.g. bin/Release/net10.0/MyGrains.dll.";
            }
            else if (!path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                yield return $"{setting} is not a .dll: give the assembly, not its project.";
            }
            else if (NotAnAssembly(path) is { } reason)
            {
                yield return $"{setting} is not a .NET assembly ({reason}): give the grain assembly your project builds, not a native library or another file.";
            }
        }
    }

    private static string? NotAnAssembly(string path)
    {
        try
        {
            _ = AssemblyName.GetAssemblyName(path);
            return null;
        }
        catch (Exception exception) when (exception is BadImageFormatException or FileLoadException or IOException or UnauthorizedAccessException)
        {
            return exception.Message.TrimEnd('.');
        }
    }

    /// <summary>
    /// Loads each assembly into the default context, so it shares the Contracts and Orleans assemblies
    /// the silo already has, and registers its grains and serializers.
    /// </summary>
    public static IReadOnlyList<Assembly> Add(IServiceCollection services, IReadOnlyList<string> paths)
    {
        var loaded = new List<Assembly>(paths.Count);
        foreach (var path in paths)
        {
            var fullPath = Path.GetFullPath(path);
            // The assembly's own dependencies (its .deps.json) resolve from its folder; shared ones
            // (Orleans, Contracts) are already loaded and win.
            var resolver = new AssemblyDependencyResolver(fullPath);
            AssemblyLoadContext.Default.Resolving += (context, name) =>
                resolver.ResolveAssemblyToPath(name) is { } dependency ? context.LoadFromAssemblyPath(dependency) : null;
            var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(fullPath);
            services.AddSerializer(serializer => serializer.AddAssembly(assembly));
            loaded.Add(assembly);
        }

        return loaded;
    }
}
