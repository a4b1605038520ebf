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
        return $"The pipeline did not start: {what} {(taken.Count > 1 ? "are" : "is")} in use by another program (`ss -ltnp` names it). Stop that program, or give this silo other ports: "
            + $"--Urls, --{PipelineOptions.SectionName}:SiloPort, --{PipelineOptions.SectionName}:GatewayPort, --{PipelineOptions.SectionName}:Shippers:OtlpGrpcPort and, in local mode, --{PipelineOptions.SectionName}:Local:EventHubsPort (--help gives their defaults).";
    }

    /// <summary>
    /// Before a local-mode start: stops it, as <see cref="PortInUse"/>, when another program holds a port Orleans' listeners
    /// or the embedded emulator would bind. They bind with SO_REUSEPORT (.NET's ReuseAddress on Linux), so a second silo
    /// given the same ports did not fail: it listened beside the first, the kernel split the connections between the two,
    /// and each archived some of the other's events (twice, with the first's) while events it acknowledged went unread
    /// (helper-140). Kestrel's ports (Urls, OTLP/gRPC) fail their own bind, and azure mode's silo binds its pod's address.
    /// </summary>
    public static void ThrowIfPortsTaken(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (ListeningPorts(configuration).Any(static port => port.SharedByItsListener && !IsFree(port.Port)))
        {
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }
    }

    // How Kestrel's exception begins; the address follows.
    private const string BindFailure = "Failed to bind to address ";

    // The ports Orleans and the emulator bind, from the settings as bound (defaults included); none when they do not bind.
    // SharedByItsListener: a port whose listener would bind beside another's on loopback (local mode's Orleans and emulator).
    private static IEnumerable<(string Setting, int Port, bool SharedByItsListener)> ListeningPorts(IConfiguration configuration)
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

        var local = options.Mode == PipelineMode.Local;
        return
        [
            ($"{PipelineOptions.SectionName}:SiloPort", options.SiloPort, local),
            ($"{PipelineOptions.SectionName}:GatewayPort", options.GatewayPort, local),
            ($"{PipelineOptions.SectionName}:Shippers:OtlpGrpcPort", options.Shippers.OtlpGrpcPort, false),
            .. local ? [($"{PipelineOptions.SectionName}:Local:EventHubsPort", options.Local.EventHubsPort, true)] : Array.Empty<(string, int, bool)>(),
        ];
    }

    // SOL_SOCKET and SO_REUSEADDR: <asm-generic/socket.h> on Linux, <sys/socket.h> on macOS. Windows needs neither: a
    // closed connection does not hold its port there.
    private const int LinuxSolSocket = 1;
    private const int LinuxSoReuseAddr = 2;
    private const int BsdSolSocket = 0xffff;
    private const int BsdSoReuseAddr = 4;

    private static bool IsFree(int port)
    {
        if (port is <= 0 or > IPEndPoint.MaxPort)
        {
            return true;
        }

        try
        {
            // SO_REUSEADDR alone: a port that holds only an earlier run's closed connections (TIME_WAIT) is free, and one a
            // listener holds is not, whatever it set. Not .NET's ReuseAddress, which on Linux and macOS adds SO_REUSEPORT:
            // with it the probe bound beside another silo's listener, which sets it too, and called the port free.
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (OperatingSystem.IsLinux())
            {
                probe.SetRawSocketOption(LinuxSolSocket, LinuxSoReuseAddr, BitConverter.GetBytes(1));
            }
            else if (OperatingSystem.IsMacOS())
            {
                probe.SetRawSocketOption(BsdSolSocket, BsdSoReuseAddr, BitConverter.GetBytes(1));
            }

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
