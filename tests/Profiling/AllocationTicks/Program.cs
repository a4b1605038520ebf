using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// The runtime reports an allocation tick for about every 100 KB a process allocates, with the type and
// the stack of the allocation that crossed it: summed, they show which types and which code allocate.
if (args.Length is < 1 or > 3)
{
    Console.Error.WriteLine("usage: AllocationTicks <trace.nettrace> [frames per stack, 8] [stacks to print, 15]");
    return 2;
}

var depth = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 8;
var top = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 15;
using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0]));
var byType = new Dictionary<string, long>();
var byStack = new Dictionary<string, long>();
long total = 0;
foreach (var traced in log.Events)
{
    if (traced is not GCAllocationTickTraceData tick)
    {
        continue;
    }

    var type = $"{tick.TypeName} [{tick.AllocationKind}]";
    byType[type] = byType.GetValueOrDefault(type) + tick.AllocationAmount64;
    total += tick.AllocationAmount64;
    var frames = new List<string>(depth);
    for (var frame = tick.CallStack(); frame is not null && frames.Count < depth; frame = frame.Caller)
    {
        if (frame.CodeAddress.FullMethodName is { Length: > 0 } method)
        {
            frames.Add(method.Length > 110 ? method[..110] : method);
        }
    }

    var stack = $"{tick.TypeName} <- {string.Join(" <- ", frames)}";
    byStack[stack] = byStack.GetValueOrDefault(stack) + tick.AllocationAmount64;
}

if (total == 0)
{
    Console.Error.WriteLine("No allocation ticks in the trace: take it with --profile gc-verbose.");
    return 1;
}

Console.WriteLine($"allocated (sampled): {total / 1e6:F1} MB");
foreach (var (type, bytes) in byType.OrderByDescending(static pair => pair.Value).Take(25))
{
    Console.WriteLine($"{100.0 * bytes / total,6:F1} % {bytes / 1e6,9:F1} MB  {type}");
}

Console.WriteLine();
foreach (var (stack, bytes) in byStack.OrderByDescending(static pair => pair.Value).Take(top))
{
    Console.WriteLine($"{100.0 * bytes / total,6:F1} %  {stack}");
    Console.WriteLine();
}

return 0;
