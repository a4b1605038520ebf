using Microsoft.Extensions.Configuration;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Deploy.Tests.Support;

/// <summary>A container's environment read the way the silo reads it at start: its binder, its validators.</summary>
internal static class SiloSettings
{
    /// <summary>The environment as configuration: <c>Pipeline__Gateway__X</c> is <c>Pipeline:Gateway:X</c>, as the host's environment provider reads it.</summary>
    public static IConfiguration Configuration(IReadOnlyDictionary<string, string> environment) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(environment.Select(static v => KeyValuePair.Create(v.Key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), (string?)v.Value)))
            .Build();

    /// <summary>Binds and validates every section as the host does at start; throws naming each wrong or unknown key.</summary>
    public static PipelineSettings Read(IReadOnlyDictionary<string, string> environment) => PipelineSettings.Read(Configuration(environment));

    public static GatewayOptions Gateway(IReadOnlyDictionary<string, string> environment) =>
        Configuration(environment).GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions();
}
