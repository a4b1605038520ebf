namespace Orleans.EventPipeline.Client.Tests.Support;

/// <summary>Client options for the tests: short batch delay and retry delays, so outages end in seconds.</summary>
internal static class TestClients
{
    public static EventPipelineClientOptions Options(Uri endpoint, string apiKey, string spoolDirectory) => new()
    {
        Endpoint = endpoint,
        ApiKey = apiKey,
        SpoolDirectory = spoolDirectory,
        MaxBatchEvents = 100,
        MaxBatchDelay = TimeSpan.FromMilliseconds(200),
        RetryBaseDelay = TimeSpan.FromMilliseconds(100),
        RetryMaxDelay = TimeSpan.FromSeconds(1),
        RequestTimeout = TimeSpan.FromSeconds(30),
    };
}
