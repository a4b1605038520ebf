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

    /// <summary>
    /// The words of the build stage's <c>dotnet publish</c> of <paramref name="project"/> (a repository path such as
    /// src/Orleans.EventPipeline.Silo), from <c>dotnet</c> to the end of that command (<c>&amp;&amp;</c> or the end of its RUN).
    /// </summary>
    public static IReadOnlyList<string> PublishCommand(string project)
    {
        var words = Of("RUN").Select(static run => run.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Single(words => words.Contains(project));
        var start = Array.IndexOf(words, project) - 2;
        Assert.True(start >= 0 && words[start] == "dotnet" && words[start + 1] == "publish", $"The container file does not publish {project} with dotnet publish: {string.Join(' ', words)}");
        var end = Array.IndexOf(words, "&&", start);
        return words[start..(end < 0 ? words.Length : end)];
    }

    /// <summary>The value after <paramref name="option"/> in <paramref name="command"/>, or null.</summary>
    public static string? OptionValue(IReadOnlyList<string> command, string option)
    {
        var at = command.ToList().IndexOf(option);
        return at >= 0 && at + 1 < command.Count ? command[at + 1] : null;
    }

    /// <summary>The ARG names the stage named <paramref name="stage"/> declares (FROM ... AS stage up to the next FROM).</summary>
    public static IReadOnlyList<string> StageArguments(string stage) =>
        [.. Instructions
            .SkipWhile(i => !(i.Instruction == "FROM" && i.Arguments.EndsWith($" AS {stage}", StringComparison.OrdinalIgnoreCase)))
            .Skip(1)
            .TakeWhile(static i => i.Instruction != "FROM")
            .Where(static i => i.Instruction == "ARG")
            .Select(static i => i.Arguments.Split('=', 2)[0])];

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
