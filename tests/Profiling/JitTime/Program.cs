using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// The runtime reports when it starts compiling a method and when the code is ready, with the method's namespace and
// the tier compiled: the time between the two, per second of the trace and per namespace and tier, is where the JIT went.
// The time is the compiling thread's wall clock: on a busy machine it includes waiting for a core. Second 0 is the
// trace's first JIT event (for a trace started with the process, a fraction of a second after its start).
if (args.Length is < 1 or > 4)
{
    Console.Error.WriteLine("usage: JitTime <trace.nettrace> [from second, 0] [to second, end] [namespaces to print, 30]");
    return 2;
}

var from = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 0;
var to = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : double.MaxValue;
var top = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 30;
var started = new Dictionary<(long Method, int Thread), double>();
var bySecond = new SortedDictionary<int, (int Methods, double Milliseconds, double QuickMilliseconds)>();
var byNamespace = new Dictionary<string, (int Methods, double Milliseconds)>();
var firstEvent = double.NaN;
using var source = new EventPipeEventSource(args[0]);
var clr = new ClrTraceEventParser(source);
clr.MethodJittingStarted += jitting =>
{
    firstEvent = double.IsNaN(firstEvent) ? jitting.TimeStampRelativeMSec : firstEvent;
    started[(jitting.MethodID, jitting.ThreadID)] = jitting.TimeStampRelativeMSec;
};
clr.MethodLoadVerbose += loaded =>
{
    if (!started.Remove((loaded.MethodID, loaded.ThreadID), out var start))
    {
        return;
    }

    var milliseconds = loaded.TimeStampRelativeMSec - start;
    var second = (loaded.TimeStampRelativeMSec - firstEvent) / 1000;
    var bucket = (int)second;
    var quick = loaded.OptimizationTier is OptimizationTier.QuickJitted or OptimizationTier.MinOptJitted ? milliseconds : 0;
    var counted = bySecond.GetValueOrDefault(bucket);
    bySecond[bucket] = (counted.Methods + 1, counted.Milliseconds + milliseconds, counted.QuickMilliseconds + quick);
    if (second >= from && second < to)
    {
        var key = $"{loaded.OptimizationTier} {Group(loaded.MethodNamespace)}";
        byNamespace[key] = byNamespace.TryGetValue(key, out var summed) ? (summed.Methods + 1, summed.Milliseconds + milliseconds) : (1, milliseconds);
    }
};

try
{
    source.Process();
}
catch (FormatException exception)
{
    // A process stopped by a signal leaves its trace unfinished; what was written reads up to there.
    Console.WriteLine($"the trace ends early ({exception.Message}); read up to there");
}

Console.WriteLine("| second | methods | JIT ms | of which tier 0 |");
Console.WriteLine("|---:|---:|---:|---:|");
foreach (var (second, counted) in bySecond)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {second} | {counted.Methods:N0} | {counted.Milliseconds:N0} | {counted.QuickMilliseconds:N0} |"));
}

Console.WriteLine();
var window = to == double.MaxValue ? $"from second {from}" : $"seconds {from} to {to}";
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{window}: {byNamespace.Values.Sum(static v => v.Methods):N0} methods, {byNamespace.Values.Sum(static v => v.Milliseconds):N0} ms"));
Console.WriteLine("| JIT ms | methods | tier and namespace |");
Console.WriteLine("|---:|---:|---|");
foreach (var (key, summed) in byNamespace.OrderByDescending(static pair => pair.Value.Milliseconds).Take(top))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {summed.Milliseconds:N0} | {summed.Methods:N0} | {key} |"));
}

return 0;

// The first three parts of a namespace, four of the pipeline's own (its assemblies share three).
static string Group(string methodNamespace)
{
    var parts = methodNamespace.Split('.');
    var keep = methodNamespace.StartsWith("Orleans.EventPipeline.", StringComparison.Ordinal) ? 4 : 3;
    return string.Join('.', parts.Take(keep));
}
