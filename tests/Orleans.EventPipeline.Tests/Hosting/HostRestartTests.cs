using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Tests.Hosting;

public sealed class HostRestartTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TenantState_HostStoppedAndRestartedOnSameData_IsReadBack(bool kill)
    {
        using var data = new TempDirectory();
        var written = new TenantSettings($"Tenant written before {(kill ? "SIGKILL" : "SIGTERM")}", Enabled: true);
        await using (var first = SiloProcess.Start(data.Path))
        {
            await first.WaitForReadyAsync(StartTimeout);
            await using (var client = await SiloClient.ConnectAsync(first))
            {
                await client.Client.GetGrain<ITenantGrain>("acme").ConfigureAsync(written);
            }

            if (kill)
            {
                await first.KillAsync();
            }
            else
            {
                Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(45)));
            }
        }

        await using var second = SiloProcess.Start(data.Path);
        await second.WaitForReadyAsync(StartTimeout);
        await using var reader = await SiloClient.ConnectAsync(second);
        var profile = await reader.Client.GetGrain<ITenantGrain>("acme").GetProfileAsync();

        Assert.True(profile.Exists);
        Assert.Equal(written, profile.Settings);
        Assert.Equal(1, profile.Version);
    }
}
