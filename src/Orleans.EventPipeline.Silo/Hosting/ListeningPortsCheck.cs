namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Stops a local-mode start whose Orleans or emulator port another program holds (<see cref="StartupFailure.ThrowIfPortsTaken"/>),
/// built right after the data directory's lock: a second silo on the same directory is told that (exit 73), not sent to
/// change ports it would then find the directory taken for (helper-142).
/// </summary>
internal sealed class ListeningPortsCheck : IHostedService
{
    private ListeningPortsCheck()
    {
    }

    /// <summary>Checks the ports <paramref name="configuration"/> names; throws as a taken port does.</summary>
    public static ListeningPortsCheck Run(IConfiguration configuration)
    {
        StartupFailure.ThrowIfPortsTaken(configuration);
        return new ListeningPortsCheck();
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
