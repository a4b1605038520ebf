namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Settings of azure mode, under <c>Pipeline:Azure</c>. Give either connection strings, or service
/// URIs that are reached with <c>DefaultAzureCredential</c> (managed identity, workload identity).
/// </summary>
public sealed class AzureModeOptions
{
    /// <summary>Event Hubs connection string (with <c>UseDevelopmentEmulator=true</c> for the emulator).</summary>
    public string EventHubsConnectionString { get; set; } = "";

    /// <summary>Event Hubs namespace host, e.g. <c>contoso.servicebus.windows.net</c>, used with DefaultAzureCredential.</summary>
    public string EventHubsNamespace { get; set; } = "";

    /// <summary>Storage connection string for Table storage (clustering, grain state, checkpoints).</summary>
    public string StorageConnectionString { get; set; } = "";

    /// <summary>Table service URI, e.g. <c>https://contoso.table.core.windows.net</c>, used with DefaultAzureCredential.</summary>
    public string TableServiceUri { get; set; } = "";
}
