using System.Globalization;
using System.Reflection;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Deploy.Tests.Support;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Deploy.Tests.Container;

/// <summary>
/// The container file, checked where no Docker engine runs: what it declares (stages, pinned images,
/// non-root user, health check, entry point). <see cref="PublishedSiloTests"/> starts the app it copies.
/// </summary>
public sealed partial class ContainerFileTests
{
    [Fact]
    public void ContainerFile_MultiStage_PinnedImages_NonRootUser_HealthCheck_EntryPoint()
    {
        Assert.True(ContainerFile.Images.Count >= 2, "The container file is not multi-stage: the SDK must not be in the runtime image.");
        var framework = typeof(PipelineOptions).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName;
        var dotnet = Version.Parse(framework[(framework.IndexOf("=v", StringComparison.Ordinal) + 2)..]);
        foreach (var image in ContainerFile.Images)
        {
            // An exact release (10.0.12-alpine3.23) or a digest; never a moving tag such as 10.0 or latest.
            Assert.Matches(PinnedImage(), image);
            var release = DotnetRelease().Match(image);
            Assert.True(release.Success && Version.Parse(release.Groups[1].Value) is { } version && version.Major == dotnet.Major && version.Minor == dotnet.Minor, $"{image} is not a .NET {dotnet.Major}.{dotnet.Minor} image, which the silo targets ({framework}).");
        }

        Assert.True(int.TryParse(ContainerFile.User, NumberStyles.None, CultureInfo.InvariantCulture, out var user) && user > 0, $"USER {ContainerFile.User}: run as a numeric non-root user, so Kubernetes' runAsNonRoot can verify it.");

        var siloAssembly = Path.GetFileName(BuiltHosts.Silo);
        Assert.Equal(["dotnet", $"{ContainerFile.Destination("/out/silo/")}{siloAssembly}"], ContainerFile.EntryPoint);

        var url = new Uri(ContainerFile.Environment["Urls"].Replace("0.0.0.0", "host", StringComparison.Ordinal));
        Assert.Contains($"http://127.0.0.1:{url.Port}/healthz", ContainerFile.HealthCheck, StringComparison.Ordinal);

        // What it publishes exists.
        foreach (Match project in PublishedProject().Matches(string.Join('\n', ContainerFile.Of("RUN"))))
        {
            Assert.True(Directory.Exists(Repository.Path(project.Groups[1].Value.Split('/'))), $"The container file publishes {project.Groups[1].Value}, which does not exist.");
        }
    }

    /// <summary>
    /// The silo is published for the image's own platform: the runtime image's C library (Alpine's musl) and the
    /// architecture BuildKit builds the image for, framework-dependent (the runtime image carries ASP.NET Core). So the
    /// silo's project precompiles it (<see cref="PublishedSiloTests"/>), and an image for two architectures gets a
    /// publish for each instead of one portable publish that compiles the request path at its first calls.
    /// </summary>
    [Fact]
    public void ContainerFile_SiloPublishedForTheImagesPlatform_FrameworkDependent()
    {
        var publish = ContainerFile.PublishCommand("src/Orleans.EventPipeline.Silo");
        Assert.Contains("TARGETARCH", ContainerFile.StageArguments("build"));
        Assert.Equal("$TARGETARCH", ContainerFile.OptionValue(publish, "-a"));
        var runtimeImage = ContainerFile.Images[^1];
        Assert.Equal(runtimeImage.Contains("-alpine", StringComparison.Ordinal) ? "linux-musl" : "linux", ContainerFile.OptionValue(publish, "--os"));
        Assert.Equal("false", ContainerFile.OptionValue(publish, "--self-contained"));
        Assert.Equal("Release", ContainerFile.OptionValue(publish, "-c"));
        Assert.DoesNotContain(publish, static word => word is "-r" or "--runtime");
    }

    [GeneratedRegex(@":\d+\.\d+\.\d+(-[a-z0-9.]+)?$|@sha256:[0-9a-f]{64}$")]
    private static partial Regex PinnedImage();

    [GeneratedRegex(@"mcr\.microsoft\.com/dotnet/[a-z]+:(\d+\.\d+)\.\d+")]
    private static partial Regex DotnetRelease();

    [GeneratedRegex(@"dotnet publish (src/[A-Za-z.]+)")]
    private static partial Regex PublishedProject();
}
