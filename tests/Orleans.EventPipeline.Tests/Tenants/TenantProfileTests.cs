using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Tenants;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Tests.Tenants;

public sealed class TenantProfileTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer(static b => b.AddAssembly(typeof(TenantProfile).Assembly)).BuildServiceProvider();

    /// <summary>
    /// A profile from a tenant grain of an earlier build has no removed generations: Orleans makes the record without its
    /// initializers, so the member reads null, and a processor's activation threw on it (helper-134). Read as none.
    /// </summary>
    [Fact]
    public void ProfileWithoutRemovedGenerations_AsAnEarlierBuildSendsIt_RemovesNothing()
    {
        var serializer = _services.GetRequiredService<Serializer<TenantProfile>>();
        var generation = Guid.NewGuid();
        var sent = new TenantProfile("t", true, new TenantSettings("t", true), 3, null, null) { DataGeneration = generation, RemovedDataGenerations = null! };

        var read = serializer.Deserialize(serializer.SerializeToArray(sent))!;

        Assert.Empty(read.RemovedGenerations);
        Assert.False(read.IsRemoved(generation));
        Assert.False(read.IsRemoved(Guid.NewGuid()));
        Assert.False(read.IsRemoved(null));
    }

    [Fact]
    public void RemovedGeneration_IsRemoved_OthersAreNot()
    {
        var removed = Guid.NewGuid();
        var profile = new TenantProfile("t", false, null, 4, null, null) { DataGeneration = Guid.NewGuid(), RemovedDataGenerations = [removed] };

        Assert.True(profile.IsRemoved(removed));
        Assert.False(profile.IsRemoved(profile.DataGeneration));
        Assert.False(profile.IsRemoved(null));
    }

    public void Dispose() => _services.Dispose();
}
