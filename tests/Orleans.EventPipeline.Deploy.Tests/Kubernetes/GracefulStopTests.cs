using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Deploy.Tests.Support;

namespace Orleans.EventPipeline.Deploy.Tests.Kubernetes;

/// <summary>
/// On SIGTERM the web host lets each request in flight finish before the silo stops, and a request may wait
/// Pipeline:Gateway:DurableWriteTimeout for its write: the host's stop must outlast it, or a request whose events
/// were stored is cut off unanswered and its retry stores them again.
/// </summary>
public sealed class GracefulStopTests
{
    [Theory]
    [InlineData(null, 60)]
    [InlineData("00:00:45", 75)]
    public async Task HostShutdownTimeout_OutlastsTheDurableWriteTimeout_ByTheSilosOwnStop(string? durableWriteTimeout, int expectedSeconds)
    {
        var objects = await Manifests.ReadAsync("aks");
        var environment = new Dictionary<string, string>(objects.Environment(objects.Get("Deployment", "gateway"), "silo"));
        if (durableWriteTimeout is not null)
        {
            environment["Pipeline__Gateway__DurableWriteTimeout"] = durableWriteTimeout;
        }

        using var data = new TempDirectory();
        await using var app = BuiltHost.Gateway(environment, data.Path);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }
}
