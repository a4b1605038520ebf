using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Orleans.EventPipeline.Agent.Configuration;

/// <summary>
/// The command line (System.CommandLine) and how it combines with the configuration file: the file first, then
/// <c>EVENTPIPELINE_AGENT_*</c> environment variables (e.g. <c>EVENTPIPELINE_AGENT_ApiKey</c>), then the flags;
/// list flags (<c>--file</c>, <c>--http-poll</c>) add to the file's lists.
/// </summary>
internal static class AgentCommand
{
    private static readonly Option<FileInfo?> ConfigOption = new("--config", "-c") { Description = "JSON configuration file (docs/AGENT.md); flags override it." };
    private static readonly Option<string?> EndpointOption = new("--endpoint") { Description = "Gateway base URL, e.g. http://127.0.0.1:5080." };
    private static readonly Option<string?> ApiKeyOption = new("--api-key") { Description = "The tenant's ingest key (or EVENTPIPELINE_AGENT_ApiKey)." };
    private static readonly Option<string?> SpoolOption = new("--spool") { Description = "Spool directory: batches are kept there until acknowledged, with the sources' positions." };
    private static readonly Option<string[]> FileOption = new("--file") { Description = "Tail files matching this path (* and ? in the file name; a relative path is resolved against the working directory); repeat for more." };
    private static readonly Option<string?> FormatOption = new("--format") { Description = "Event format of --file and --stdin: text (syslog, CEF, plain lines) or json (one JSON value per line)." };
    private static readonly Option<bool> StdinOption = new("--stdin") { Description = "Read lines from standard input; the agent stops at its end once everything is acknowledged." };
    private static readonly Option<string?> SyslogUdpOption = new("--syslog-udp") { Description = "Receive syslog (RFC 5424 or 3164) datagrams on address:port." };
    private static readonly Option<string?> SyslogTcpOption = new("--syslog-tcp") { Description = "Accept syslog over TCP on address:port, octet-counted or newline-framed." };
    private static readonly Option<string[]> HttpPollOption = new("--http-poll") { Description = "Poll this JSON endpoint ({\"items\":[...],\"nextCursor\":...}); repeat for more." };
    private static readonly Option<string?> PollIntervalOption = new("--poll-interval") { Description = "Interval of --http-poll, e.g. 00:00:10." };
    private static readonly Option<bool> QuietOption = new("--quiet", "-q") { Description = "No status line (for services; warnings and errors are still logged)." };
    private static readonly Option<bool> CheckOption = new("--check") { Description = "Validate the configuration and flags, print the problems (exit 78) or nothing (exit 0), and start nothing." };

    public static RootCommand Create(Func<AgentOptions, CancellationToken, Task<int>> run)
    {
        var command = new RootCommand("Collects events (file tail, stdin, syslog UDP/TCP, HTTP poll) and sends them to the Orleans.EventPipeline gateway through a durable on-disk spool.")
        {
            ConfigOption, EndpointOption, ApiKeyOption, SpoolOption, FileOption, FormatOption, StdinOption, SyslogUdpOption, SyslogTcpOption, HttpPollOption, PollIntervalOption, QuietOption, CheckOption,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            AgentOptions options;
            List<string> errors;
            try
            {
                (options, errors) = Load(result);
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException or FormatException or IOException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"eventpipeline-agent: configuration error: {Messages(e)}").ConfigureAwait(false);
                return ExitCodes.Configuration;
            }

            errors.AddRange(AgentOptionsValidator.Validate(options));
            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync($"eventpipeline-agent: configuration error: {error}").ConfigureAwait(false);
                }

                return ExitCodes.Configuration;
            }

            return result.GetValue(CheckOption) ? ExitCodes.Ok : await run(options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The options from every key that fits, and a problem for each key that does not (<see cref="ConfigurationCheck"/>).</summary>
    private static (AgentOptions Options, List<string> Problems) Load(ParseResult result)
    {
        var builder = new ConfigurationBuilder();
        IConfiguration? file = null;
        if (result.GetValue(ConfigOption) is { } path)
        {
            if (!path.Exists)
            {
                throw new FileNotFoundException($"The configuration file {path.FullName} does not exist.");
            }

            file = new ConfigurationBuilder().AddJsonFile(path.FullName, optional: false, reloadOnChange: false).Build();
            builder.AddConfiguration(file);
        }

        builder.AddEnvironmentVariables("EVENTPIPELINE_AGENT_");
        var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Set(flags, "Endpoint", result.GetValue(EndpointOption));
        Set(flags, "ApiKey", result.GetValue(ApiKeyOption));
        Set(flags, "SpoolDirectory", result.GetValue(SpoolOption));
        if (result.GetValue(QuietOption))
        {
            flags["Quiet"] = "true";
        }

        var format = result.GetValue(FormatOption);
        var files = file?.GetSection("Files").GetChildren().Count() ?? 0;
        foreach (var glob in result.GetValue(FileOption) ?? [])
        {
            // An empty or blank path is left as given, so the validator names it (Files:N:Path, from --file) rather than GetFullPath throwing.
            flags[Invariant($"Files:{files}:Path")] = string.IsNullOrWhiteSpace(glob) ? glob : Path.GetFullPath(glob);
            Set(flags, Invariant($"Files:{files}:Format"), format);
            files++;
        }

        if (result.GetValue(StdinOption))
        {
            flags["Stdin:Format"] = format ?? "Text";
        }

        Set(flags, "Syslog:Udp", result.GetValue(SyslogUdpOption));
        Set(flags, "Syslog:Tcp", result.GetValue(SyslogTcpOption));
        var polls = file?.GetSection("HttpPoll").GetChildren().Count() ?? 0;
        foreach (var url in result.GetValue(HttpPollOption) ?? [])
        {
            flags[Invariant($"HttpPoll:{polls}:Url")] = url;
            Set(flags, Invariant($"HttpPoll:{polls}:Interval"), result.GetValue(PollIntervalOption));
            polls++;
        }

        builder.AddInMemoryCollection(flags);
        var problems = ConfigurationCheck.Check(builder.Build(), out var valid);
        var options = new AgentOptions();
        new ConfigurationBuilder().AddInMemoryCollection(valid).Build().Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true);
        return (options, problems);
    }

    private static void Set(Dictionary<string, string?> flags, string key, string? value)
    {
        if (value is not null)
        {
            flags[key] = value;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Messages(Exception e) => e.InnerException is null ? e.Message : $"{e.Message} {Messages(e.InnerException)}";
}
