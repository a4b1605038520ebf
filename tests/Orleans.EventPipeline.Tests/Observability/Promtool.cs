using System.Diagnostics;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>Prometheus' own checker, <c>promtool</c> (Debian's <c>prometheus</c> package, which test.sh installs).</summary>
internal static class Promtool
{
    /// <summary>Runs <c>promtool check metrics</c> on <paramref name="exposition"/>; returns its exit code and everything it printed.</summary>
    public static Task<(int ExitCode, string Output)> CheckMetricsAsync(string exposition) => RunAsync(exposition, "check", "metrics");

    /// <summary>Runs <c>promtool</c> with <paramref name="arguments"/> (files named by path); returns its exit code and everything it printed.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(params string[] arguments) => RunAsync(null, arguments);

    private static async Task<(int ExitCode, string Output)> RunAsync(string? input, params string[] arguments)
    {
        var info = new ProcessStartInfo("promtool")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await error);
    }
}
