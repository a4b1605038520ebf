using Orleans.EventPipeline.Deploy.Tests.Support;
using static Orleans.EventPipeline.Deploy.Tests.Support.RenderedObjects;

namespace Orleans.EventPipeline.Deploy.Tests.Kubernetes;

/// <summary>Every container that runs the pipeline's image runs the very image the overlay gives its silos.</summary>
public sealed class ManifestImageTests
{
    public static TheoryData<string> Overlays => Manifests.Overlays();

    /// <summary>
    /// The local overlay's emulator starts from the silos' image (its command is the emulator the container
    /// file copies in). A base's <c>images:</c> rewrites only the base's objects, so an overlay's own
    /// Deployment kept the bare name, pulled as <c>:latest</c>, an image nobody builds.
    /// </summary>
    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task PipelineImageContainers_UseTheSilosImage_WithAnExplicitTag(string overlay)
    {
        var objects = await Manifests.ReadAsync(overlay);
        var siloImages = objects.SiloDeployments().Select(static d => Text(ContainerOf(d, "silo")["image"])).Distinct().ToList();
        var image = Assert.Single(siloImages);
        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        Assert.True(lastSegment.Contains(':', StringComparison.Ordinal) || image.Contains('@', StringComparison.Ordinal), $"{overlay}: the silos' image {image} has no tag or digest: it would be pulled as :latest.");

        var repository = Repository(image);
        var pipelineContainers = objects.OfKind("Deployment")
            .SelectMany(static d => Containers(d).Select(c => (Deployment: Name(d), Container: c)))
            .Where(c => RunsPipelineImage(c.Container, repository))
            .ToList();
        Assert.All(pipelineContainers, c => Assert.True(Text(c.Container["image"]) == image, $"{overlay}/{c.Deployment}/{Text(c.Container["name"])} runs {Text(c.Container["image"])}, the silos run {image}."));
    }

    /// <summary>A container of the pipeline's image: the same repository (any tag), or a command into the app the container file copies.</summary>
    private static bool RunsPipelineImage(System.Text.Json.Nodes.JsonObject container, string repository)
    {
        var command = container["command"]?.AsArray().Select(static c => Text(c)).ToList() ?? [];
        return Repository(Text(container["image"])) == repository
            || Text(container["name"]) == "silo"
            || command.Contains(ContainerFile.EmulatorEntryPoint);
    }

    /// <summary>The image without its tag or digest.</summary>
    private static string Repository(string image)
    {
        var digest = image.IndexOf('@', StringComparison.Ordinal);
        var name = digest >= 0 ? image[..digest] : image;
        var tag = name.LastIndexOf(':');
        return tag > name.LastIndexOf('/') ? name[..tag] : name;
    }
}
