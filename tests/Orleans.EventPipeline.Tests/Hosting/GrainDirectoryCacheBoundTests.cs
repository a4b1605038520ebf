using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// The silo's cache of grain addresses is bounded by the pipeline, not Orleans' default: a grain per Idempotency-Key
/// filled it by one entry per keyed request. The host as the silo builds it, built and not started.
/// </summary>
public sealed class GrainDirectoryCacheBoundTests
{
    [Fact]
    public async Task CacheSize_OfTheSilosGrainDirectory_IsThePipelinesBound()
    {
        using var data = new TempDirectory();
        await using var app = BuiltSilo.Create(data);

        var directory = app.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;
        Assert.Equal(GrainDirectoryCacheBound.MaxEntries, directory.CacheSize);
        Assert.True(new GrainDirectoryOptions().CacheSize > GrainDirectoryCacheBound.MaxEntries, "Orleans' own default is larger");
    }
}
