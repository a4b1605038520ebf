using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// Where a phase's time and bytes went: CPU seconds of each process of the pipeline, and the bytes silos
/// sent each other (Orleans' silo-to-silo connections, read from the kernel's socket counters with
/// <c>ss</c>, each connection counted once, on the side that accepted it).
/// </summary>
internal sealed partial record ResourceUse(IReadOnlyDictionary<string, double> CpuSeconds, long SiloBytes)
{
    public static ResourceUse Take(IReadOnlyDictionary<string, Func<double>> processes, IReadOnlyList<int> siloPorts) =>
        new(processes.ToDictionary(static p => p.Key, static p => p.Value()), siloPorts.Count < 2 ? 0 : SiloSocketBytes(siloPorts));

    /// <summary>CPU milliseconds per 1,000 events of each process, and silo-to-silo bytes per event, between two snapshots.</summary>
    public static string Describe(ResourceUse before, ResourceUse after, long events)
    {
        if (events == 0)
        {
            return "no events: no cost per event";
        }

        var perThousand = after.CpuSeconds.Select(p => string.Create(CultureInfo.InvariantCulture,
            $"{p.Key} {(p.Value - before.CpuSeconds.GetValueOrDefault(p.Key)) * 1e6 / events:N1}"));
        var cpu = "CPU ms per 1,000 events: " + string.Join(", ", perThousand);
        return after.SiloBytes == 0
            ? cpu
            : cpu + string.Create(CultureInfo.InvariantCulture, $"; silo-to-silo bytes per event: {(after.SiloBytes - before.SiloBytes) / (double)events:N0}");
    }

    private static long SiloSocketBytes(IReadOnlyList<int> siloPorts)
    {
        var filter = "( " + string.Join(" or ", siloPorts.Select(static p => string.Create(CultureInfo.InvariantCulture, $"sport = :{p}"))) + " )";
        var start = new ProcessStartInfo("ss") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-tinH", "state", "established", filter })
        {
            start.ArgumentList.Add(argument);
        }

        using var ss = Process.Start(start)!;
        var output = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        return Counter().Matches(output).Sum(static m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"bytes_(?:sent|received):(\d+)")]
    private static partial Regex Counter();
}
