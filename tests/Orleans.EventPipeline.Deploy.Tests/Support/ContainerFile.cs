using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.Deploy.Tests.Support;

/// <summary>infra/container/Dockerfile read as its instructions (continuation lines joined, comments dropped).</summary>
internal static partial class ContainerFile
{
    public static string FilePath => Repository.Path("infra", "container", "Dockerfile");

    public static IReadOnlyList<(string Instruction, string Arguments)> Instructions { get; } = Read();

    /// <summary>The images of every stage, as written after FROM (without --platform and AS).</summary>
    public static IReadOnlyList<string> Images => [.. Of("FROM").Select(static from => from.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(static word => !word.StartsWith("--", StringComparison.Ordinal)))];

    /// <summary>The user the last stage runs as.</summary>
    public static string User => Of("USER").Last();

    public static IReadOnlyList<string> EntryPoint => System.Text.Json.JsonSerializer.Deserialize<string[]>(Of("ENTRYPOINT").Single())!;

    public static string HealthCheck => Of("HEALTHCHECK").Single();

    /// <summary>Variables the last stage sets (ENV key=value ...).</summary>
    public static IReadOnlyDictionary<string, string> Environment =>
        Of("ENV").SelectMany(static env => env.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(static pair => pair.Split('=', 2)).ToDictionary(static p => p[0], static p => p[1]);

    /// <summary>Where the image's emulator starts: the folder its publish output is copied to, and its assembly.</summary>
    public static string EmulatorEntryPoint =>
        $"{Destination("/out/emulator/")}Orleans.EventPipeline.EventHubsEmulator.Host.dll";

    /// <summary>Where a COPY --from=build puts <paramref name="source"/>.</summary>
    public static string Destination(string source) =>
        Of("COPY").Select(static copy => copy.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Single(words => words.Contains(source))[^1];

    public static IEnumerable<string> Of(string instruction) =>
        Instructions.Where(i => i.Instruction == instruction).Select(static i => i.Arguments);

    private static List<(string, string)> Read()
    {
        var text = ContinuedLine().Replace(File.ReadAllText(FilePath), " ");
        return [.. text.Split('\n')
            .Select(static line => line.Trim())
            .Where(static line => line.Length > 0 && !line.StartsWith('#'))
            .Select(static line => line.Split(' ', 2))
            .Select(static parts => (parts[0].ToUpperInvariant(), parts.Length > 1 ? Spaces().Replace(parts[1].Trim(), " ") : ""))];
    }

    // A backslash at the end of a line continues it; comment lines inside a continued instruction are dropped by Docker too.
    [GeneratedRegex(@"\\\s*\n(\s*#[^\n]*\n)*")]
    private static partial Regex ContinuedLine();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
