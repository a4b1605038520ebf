using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>An Orleans client connected to a <see cref="SiloProcess"/>'s gateway.</summary>
internal sealed class SiloClient : IAsyncDisposable
{
    private readonly IHost _host;

    private SiloClient(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<SiloClient> ConnectAsync(SiloProcess silo)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client => client.UseLocalhostClustering(silo.GatewayPort, serviceId: "eventpipeline", clusterId: "eventpipeline-local"));
        var host = builder.Build();
        await host.StartAsync();
        return new SiloClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
