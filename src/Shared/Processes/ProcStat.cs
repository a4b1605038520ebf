using System.Globalization;

namespace Orleans.EventPipeline.Processes;

/// <summary>What Linux's /proc/{pid}/stat says of a process's CPU time.</summary>
internal static class ProcStat
{
    // USER_HZ: clock ticks per second of utime and stime, 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU time so far, in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of the line (utime, stime) are the 12th and 13th after the name.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
