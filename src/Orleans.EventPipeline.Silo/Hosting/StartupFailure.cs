using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Turns a configuration error at start into one readable message and an exit code.</summary>
internal static class StartupFailure
{
    /// <summary>Exit code of a start refused for configuration (EX_CONFIG in sysexits.h).</summary>
    public const int ConfigurationExitCode = 78;

    /// <summary>Exit code of a start refused because the data directory is held by another silo or cannot be opened (EX_CANTCREAT, as the agent's spool).</summary>
    public const int DataDirectoryExitCode = 73;

    /// <summary>The data directory refused at start, wherever the host wrapped it; null when that is not why it stopped.</summary>
    public static DataDirectoryUnavailableException? DataDirectoryRefused(Exception exception) =>
        Reasons(exception).OfType<DataDirectoryUnavailableException>().FirstOrDefault();

    /// <summary>Whether every reason the start failed for is a setting's.</summary>
    public static bool IsConfigurationError(Exception exception) =>
        Reasons(exception).All(static reason => reason is OptionsValidationException or OrleansConfigurationException or EventHubsEmulator.Hosting.EmulatorDataMismatchException);

    public static string Describe(Exception exception)
    {
        var lines = new List<string> { "The pipeline did not start: its configuration is invalid." };
        foreach (var reason in Reasons(exception))
        {
            if (reason is OptionsValidationException validation)
            {
                lines.AddRange(validation.Failures.Select(static failure => "  - " + failure));
            }
            else
            {
                lines.Add("  - " + reason.Message);
            }
        }

        lines.Add("Settings come from appsettings.json, environment variables (Pipeline__SiloPort) and the command line (--Pipeline:SiloPort=11111).");
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>
    /// What the host's wrappers hold: each exception of an aggregate, and through every other wrapper the first of the
    /// pipeline's own failures or the innermost exception.
    /// </summary>
    private static IEnumerable<Exception> Reasons(Exception exception) => exception switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Reasons),
        OptionsValidationException or OrleansConfigurationException or EventHubsEmulator.Hosting.EmulatorDataMismatchException
            or DataDirectoryUnavailableException => [exception],
        { InnerException: { } inner } => Reasons(inner),
        _ => [exception],
    };
}
