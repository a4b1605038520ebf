using System.Text.Json;
using Orleans.EventPipeline.Deploy.Tests.Support;

namespace Orleans.EventPipeline.Deploy.Tests.Azure;

/// <summary>
/// Every Bicep file under infra/azure compiles to an ARM template and passes Bicep's linter with no finding
/// (warnings included), with the Bicep CLI this project restores from NuGet (Azure.Bicep.CommandLine.linux-x64).
/// </summary>
public sealed class BicepTests
{
    public static TheoryData<string> BicepFiles()
    {
        var files = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repository.Path("infra", "azure")).Where(static f => f.EndsWith(".bicep", StringComparison.Ordinal) || f.EndsWith(".bicepparam", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            files.Add(Path.GetFileName(file));
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task BicepFile_Builds(string file)
    {
        var command = file.EndsWith(".bicepparam", StringComparison.Ordinal) ? "build-params" : "build";

        var build = await Tool.RunAsync(Bicep, [command, "--stdout", Repository.Path("infra", "azure", file)]);

        Assert.True(build.ExitCode == 0, build.ToString());
        using var template = JsonDocument.Parse(build.Output);
        // build writes the ARM template; build-params its parameters file inside a JSON envelope.
        var expected = command == "build" ? "resources" : "parametersJson";
        Assert.True(template.RootElement.TryGetProperty(expected, out _), $"bicep {command} {file} wrote no {expected}: {build.Output[..Math.Min(build.Output.Length, 2000)]}");
    }

    /// <summary>
    /// infra/k8s/base/silo-networkpolicy.yaml keeps the silos' Orleans ports (grain calls without a key) to the silos;
    /// AKS enforces a NetworkPolicy only with a network policy engine, which the cluster must name.
    /// </summary>
    [Fact]
    public async Task Aks_HasANetworkPolicyEngine()
    {
        var build = await Tool.RunAsync(Bicep, ["build", "--stdout", Repository.Path("infra", "azure", "main.bicep")]);
        Assert.True(build.ExitCode == 0, build.ToString());
        using var template = JsonDocument.Parse(build.Output);
        var resources = template.RootElement.GetProperty("resources");
        var clusters = (resources.ValueKind == JsonValueKind.Object ? resources.EnumerateObject().Select(static p => p.Value) : resources.EnumerateArray())
            .Where(static r => r.GetProperty("type").GetString() == "Microsoft.ContainerService/managedClusters")
            .ToList();

        var cluster = Assert.Single(clusters);
        var policy = cluster.GetProperty("properties").GetProperty("networkProfile").GetProperty("networkPolicy").GetString();
        Assert.True(policy is "cilium" or "calico" or "azure", $"networkPolicy is {policy ?? "not set"}");
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task BicepFile_Lints_WithoutAnyFinding(string file)
    {
        var lint = await Tool.RunAsync(Bicep, ["lint", "--diagnostics-format", "sarif", Repository.Path("infra", "azure", file)]);

        Assert.True(lint.ExitCode == 0, lint.ToString());
        using var sarif = JsonDocument.Parse(lint.Output);
        var findings = sarif.RootElement.GetProperty("runs").EnumerateArray()
            .SelectMany(static run => run.GetProperty("results").EnumerateArray())
            .Select(static result => $"{result.GetProperty("ruleId").GetString()}: {result.GetProperty("message").GetProperty("text").GetString()}")
            .ToList();
        Assert.True(findings.Count == 0, $"bicep lint {file}:\n{string.Join('\n', findings)}");
    }

    [Fact]
    public async Task Linter_AFinding_IsReported()
    {
        // The lint test must be able to fail: an unused parameter is a linter warning.
        using var work = new TempDirectory();
        var file = work.File("unused.bicep");
        await File.WriteAllTextAsync(file, "param unused string = 'x'\n");

        var lint = await Tool.RunAsync(Bicep, ["lint", "--diagnostics-format", "sarif", file]);

        Assert.Contains("no-unused-params", lint.Output, StringComparison.Ordinal);
    }

    /// <summary>The CLI in the NuGet cache, where restoring this project put it (PackageDownload).</summary>
    private static string Bicep
    {
        get
        {
            var path = Path.Combine(Repository.Metadata("NuGetPackageRoot"), "azure.bicep.commandline.linux-x64", Repository.Metadata("BicepVersion"), "tools", "bicep");
            Assert.True(File.Exists(path), $"The Bicep CLI is not at {path}: restore this project (dotnet restore) first.");
            return path;
        }
    }
}
