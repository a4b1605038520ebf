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
    public static DataDirectoryUnavailableException? DataDirectoryRefused(Exception exception) => exception switch
    {
        DataDirectoryUnavailableException refused => refused,
        AggregateException aggregate => aggregate.InnerExceptions.Select(DataDirectoryRefused).FirstOrDefault(static refused => refused is not null),
        _ => exception.InnerException is { } inner ? DataDirectoryRefused(inner) : null,
    };

    public static bool IsConfigurationError(Exception exception) => exception switch
    {
        OptionsValidationException or OrleansConfigurationException or EventHubsEmulator.Hosting.EmulatorDataMismatchException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsConfigurationError),
        _ => exception.InnerException is { } inner && IsConfigurationError(inner),
    };

    public static string Describe(Exception exception)
    {
        var lines = new List<string> { "The pipeline did not start: its configuration is invalid." };
        Collect(exception, lines);
        lines.Add("Settings come from appsettings.json, environment variables (Pipeline__SiloPort) and the command line (--Pipeline:SiloPort=11111).");
        return string.Join(Environment.NewLine, lines);
    }

    private static void Collect(Exception exception, List<string> lines)
    {
        if (exception is OptionsValidationException validation)
        {
            lines.AddRange(validation.Failures.Select(static failure => "  - " + failure));
        }
        else if (exception is AggregateException aggregate)
        {
            foreach (var inner in aggregate.InnerExceptions)
            {
                Collect(inner, lines);
            }
        }
        else if (exception is OrleansConfigurationException || exception.InnerException is null)
        {
            lines.Add("  - " + exception.Message);
        }
        else
        {
            Collect(exception.InnerException, lines);
        }
    }
}
