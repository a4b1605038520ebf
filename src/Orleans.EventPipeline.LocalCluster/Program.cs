using System.CommandLine;
using System.Runtime.InteropServices;
using Orleans.EventPipeline.LocalCluster;

// Ctrl+C and SIGTERM are handled here rather than by System.CommandLine, which ends the process 2 s after
// the signal: the silos get their whole graceful stop, and no child process outlives the command.
using var stop = new CancellationTokenSource();
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
return await ClusterOptions.Command(LocalCluster.RunAsync).Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);

void Stop(PosixSignalContext signal)
{
    signal.Cancel = true;
    stop.Cancel();
}
