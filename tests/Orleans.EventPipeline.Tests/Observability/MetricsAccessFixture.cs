using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>
/// A real silo listening on loopback and on this machine's own address (as a pod listens on its pod IP), with
/// forwarded headers on as in the manifests, after one tenant posted a batch: a request to <see cref="OwnAddress"/>
/// arrives from that address, not loopback, as a scrape from another machine does.
/// </summary>
public abstract class MetricsAccessFixture : SiloPipelineFixture
{
    public const string Tenant = "metrics-access";

    /// <summary><c>http://{this machine's IPv4 address}:{port}</c>, the silo's second listener.</summary>
    internal Uri OwnAddress { get; private set; } = null!;

    /// <summary>The silo's <c>Pipeline:Telemetry:MetricsKey</c>; empty: not set.</summary>
    internal abstract string MetricsKey { get; }

    private protected override async Task<SiloProcess> StartSiloAsync(string dataDirectory)
    {
        var ports = FreeTcpPorts.Pick(2);
        var loopback = $"http://127.0.0.1:{ports[0].ToString(CultureInfo.InvariantCulture)}";
        OwnAddress = new Uri($"http://{MachineAddress()}:{ports[1].ToString(CultureInfo.InvariantCulture)}");
        string[] arguments = MetricsKey.Length > 0
            ? [$"--Urls={loopback};{OwnAddress.GetLeftPart(UriPartial.Authority)}", $"--Pipeline:Telemetry:MetricsKey={MetricsKey}"]
            : [$"--Urls={loopback};{OwnAddress.GetLeftPart(UriPartial.Authority)}"];
        return await SiloProcess.ReadyAsync(SiloProcess.Start(dataDirectory, ports[0], new Dictionary<string, string> { ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true" }, arguments));
    }

    private protected override async Task AfterStartAsync()
    {
        var key = await Api.CreateTenantAsync(Tenant);
        using var response = await Api.PostAsync(key, Encoding.UTF8.GetBytes("{\"n\":1}"), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary><c>GET /metrics</c> at <paramref name="address"/> with <paramref name="authorization"/> and <paramref name="headers"/> as given.</summary>
    internal static async Task<(HttpStatusCode Status, string Body, string Challenge)> ScrapeAsync(Uri address, string? authorization, params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.WwwAuthenticate.ToString());
    }

    /// <summary>A scrape at <paramref name="address"/> that names <see cref="Tenant"/>, polled until it does (the exporter caches its answer briefly).</summary>
    internal static async Task<string> ScrapeNamingTheTenantAsync(Uri address, string? authorization)
    {
        (HttpStatusCode Status, string Body, string Challenge) last = (0, "", "");
        await Poll.UntilAsync(
            () =>
            {
                last = ScrapeAsync(address, authorization).GetAwaiter().GetResult();
                return last.Status == HttpStatusCode.OK && last.Body.Contains($"tenant=\"{Tenant}\"", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(30),
            () => $"no scrape of {address} named the tenant; the last was {(int)last.Status}: {last.Body[..Math.Min(last.Body.Length, 300)]}");
        return last.Body;
    }

    /// <summary>An IPv4 address of this machine other than loopback: connecting to it from here arrives from it.</summary>
    private static IPAddress MachineAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(static n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(static n => n.GetIPProperties().UnicastAddresses)
            .Select(static a => a.Address)
            .FirstOrDefault(static a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("These tests need an IPv4 address of this machine other than loopback, to send requests that do not come from loopback; none is up.");
}

/// <summary>A silo without <c>Pipeline:Telemetry:MetricsKey</c>: the default.</summary>
public sealed class MetricsWithoutKeyFixture : MetricsAccessFixture
{
    internal override string MetricsKey => "";
}

/// <summary>A silo with <c>Pipeline:Telemetry:MetricsKey</c> set, as the manifests set it.</summary>
public sealed class MetricsKeyFixture : MetricsAccessFixture
{
    public const string Key = "scrape-key-0123456789abcdef";

    internal override string MetricsKey => Key;
}
