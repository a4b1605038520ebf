using System.Net;
using System.Net.Sockets;
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

    /// <summary>
    /// Exit code of a start refused because a port it listens on is taken (EX_CONFIG as a wrong setting: the fix is to stop
    /// the other program or set another port). Before, the silo aborted with a stack trace (134).
    /// </summary>
    public const int PortInUseExitCode = ConfigurationExitCode;

    /// <summary>Whether the start failed because an address it listens on is taken.</summary>
    public static bool PortInUse(Exception exception) =>
        Chain(exception).Any(static e => e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } or Microsoft.AspNetCore.Connections.AddressInUseException);

    /// <summary>
    /// Which port was taken, and how to choose another. Kestrel names the address it could not bind; Orleans' listeners
    /// and the embedded emulator do not, so the silo's other ports are tried, each on loopback, once the host has let go of
    /// its own: those still taken are another program's.
    /// </summary>
    public static string DescribePortInUse(Exception exception, IConfiguration? configuration)
    {
        var kestrel = Chain(exception).OfType<IOException>().Select(static e => e.Message).FirstOrDefault(static m => m.StartsWith(BindFailure, StringComparison.Ordinal));
        var taken = new List<string>();
        if (kestrel is not null)
        {
            // "Failed to bind to address http://127.0.0.1:4317: address already in use."
            var address = kestrel[BindFailure.Length..];
            address = address.LastIndexOf(": ", StringComparison.Ordinal) is > 0 and var end ? address[..end] : address;
            var otlp = configuration is null ? null : ListeningPorts(configuration).Where(static port => port.Setting.EndsWith(":OtlpGrpcPort", StringComparison.Ordinal)).Select(static port => (int?)port.Port).FirstOrDefault();
            var setting = otlp is > 0 && address.EndsWith(":" + otlp.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) ? $"{PipelineOptions.SectionName}:Shippers:OtlpGrpcPort" : "Urls";
            taken.Add($"{address} ({setting})");
        }
        else if (configuration is not null)
        {
            taken.AddRange(ListeningPorts(configuration).Where(static port => !IsFree(port.Port)).Select(static port => $"{port.Setting}={port.Port}"));
        }

        var what = taken.Count > 0 ? string.Join(" and ", taken) : "one of its ports";
        return $"The pipeline did not start: {what} is in use by another program (`ss -ltnp` names it). Stop that program, or give this silo other ports: "
            + $"--Urls, --{PipelineOptions.SectionName}:SiloPort, --{PipelineOptions.SectionName}:GatewayPort, --{PipelineOptions.SectionName}:Shippers:OtlpGrpcPort and, in local mode, --{PipelineOptions.SectionName}:Local:EventHubsPort (--help gives their defaults).";
    }

    // How Kestrel's exception begins; the address follows.
    private const string BindFailure = "Failed to bind to address ";

    // The ports Orleans and the emulator bind, from the settings as bound (defaults included); none when they do not bind.
    private static IEnumerable<(string Setting, int Port)> ListeningPorts(IConfiguration configuration)
    {
        PipelineOptions options;
        try
        {
            options = configuration.GetSection(PipelineOptions.SectionName).Get<PipelineOptions>() ?? new PipelineOptions();
        }
        catch (InvalidOperationException)
        {
            return [];
        }

        return
        [
            ($"{PipelineOptions.SectionName}:SiloPort", options.SiloPort),
            ($"{PipelineOptions.SectionName}:GatewayPort", options.GatewayPort),
            ($"{PipelineOptions.SectionName}:Shippers:OtlpGrpcPort", options.Shippers.OtlpGrpcPort),
            .. options.Mode == PipelineMode.Local ? [($"{PipelineOptions.SectionName}:Local:EventHubsPort", options.Local.EventHubsPort)] : Array.Empty<(string, int)>(),
        ];
    }

    private static bool IsFree(int port)
    {
        if (port is <= 0 or > IPEndPoint.MaxPort)
        {
            return true;
        }

        try
        {
            // As the listeners bind (.NET sets SO_REUSEADDR on Linux): a port of this silo's closed connections is free.
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static IEnumerable<Exception> Chain(Exception exception) => exception switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Chain).Prepend(exception),
        { InnerException: { } inner } => Chain(inner).Prepend(exception),
        _ => [exception],
    };

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
