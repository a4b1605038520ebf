using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Agent;
using Orleans.EventPipeline.Agent.Configuration;

// SIGTERM (systemd, an orchestrator) and Ctrl+C stop the sources, spool what was read and wait DrainTimeout for
// acknowledgments; the agent handles them itself so a slow drain is not cut off.
using var stopping = new CancellationTokenSource();
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

var command = AgentCommand.Create(RunAsync);
var parsed = command.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync($"eventpipeline-agent: {error.Message}");
    }

    await Console.Error.WriteLineAsync("Try 'eventpipeline-agent --help'.");
    return ExitCodes.Usage;
}

return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stopping.Token);

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopping.Cancel();
}

static async Task<int> RunAsync(AgentOptions options, CancellationToken stopping)
{
    using var logging = LoggerFactory.Create(builder => builder
        .AddSimpleConsole(static console => console.SingleLine = true)
        .AddFilter(null, options.Quiet ? LogLevel.Warning : LogLevel.Information)
        // Logs go to stderr next to the status line; stdout stays free.
        .AddConsole(static console => console.LogToStandardErrorThreshold = LogLevel.Trace));
    return await new AgentRunner(options, logging, TimeProvider.System).RunAsync(stopping);
}
