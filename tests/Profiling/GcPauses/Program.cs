using System.Globalization;
using Microsoft.Diagnostics.Tracing;

// Each garbage collection in a trace taken with `dotnet-trace collect --clrevents gc --clreventlevel informational`:
// when it started (UTC), its generation, why (AllocLarge: the large-object budget ran out) and its type, and each time
// the runtime suspended the managed threads for it (a background gen2 collection suspends them twice). With a start
// time (UTC, HH:mm:ss.fff, e.g. the load tool's "start at"), it also counts the collections and the suspended time in
// the first second and the first N seconds after it.
if (args.Length is not (1 or 3))
{
    Console.Error.WriteLine("usage: GcPauses <trace.nettrace> [<from HH:mm:ss.fff UTC> <seconds>]");
    return 2;
}

TimeSpan? from = args.Length == 3 ? TimeSpan.ParseExact(args[1], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture) : null;
var seconds = args.Length == 3 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 0;
var collections = new List<(double At, int Generation)>();
var pauses = new List<(double At, double Milliseconds)>();
using var source = new EventPipeEventSource(args[0]);
DateTime? suspended = null;
var last = "";
source.Clr.GCStart += e =>
{
    var at = e.TimeStamp.ToUniversalTime();
    last = string.Create(CultureInfo.InvariantCulture, $"gc#{e.Count} gen{e.Depth} {e.Reason} {e.Type}");
    collections.Add((Since(at), e.Depth));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{at:HH:mm:ss.fff} started {last}"));
};
source.Clr.GCSuspendEEStart += e => suspended = e.TimeStamp;
source.Clr.GCRestartEEStop += e =>
{
    if (suspended is { } start)
    {
        var milliseconds = (e.TimeStamp - start).TotalMilliseconds;
        pauses.Add((Since(start.ToUniversalTime()), milliseconds));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{start.ToUniversalTime():HH:mm:ss.fff} suspended {milliseconds:F1} ms (last started: {last})"));
        suspended = null;
    }
};
source.Process();

if (from is not null)
{
    foreach (var window in new[] { 1.0, seconds }.Distinct())
    {
        var inWindow = collections.Where(c => c.At >= 0 && c.At < window).ToList();
        var byGeneration = string.Join(", ", inWindow.GroupBy(static c => c.Generation).OrderBy(static g => g.Key).Select(static g => string.Create(CultureInfo.InvariantCulture, $"gen{g.Key} {g.Count()}")));
        var paused = pauses.Where(p => p.At >= 0 && p.At < window).Sum(static p => p.Milliseconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first {window:0.#} s from {args[1]}: {(byGeneration.Length == 0 ? "no collection" : byGeneration)}; threads suspended {paused:F1} ms"));
    }
}

return 0;

// Seconds from the start time given (negative before it); 0 without one.
double Since(DateTime utc) => from is { } start ? (utc.TimeOfDay - start).TotalSeconds : 0;
