using System.Globalization;
using System.Text;

namespace Orleans.EventPipeline.Benchmarks;

internal static class ResultTable
{
    public static string Row(ScenarioResult emulator, ScenarioResult baseline) => string.Create(
        CultureInfo.InvariantCulture,
        $"batch {emulator.Scenario.BatchSize,4} x {emulator.Scenario.Producers,2} producers: emulator {emulator.EventsPerSecond,9:N0} ev/s {emulator.MegabytesPerSecond,7:N1} MB/s p50 {emulator.P50Milliseconds,6:N2} ms p99 {emulator.P99Milliseconds,6:N2} ms cpu {emulator.CoresBusy:N2} gc {emulator.GcPauseShare,4:P0} | raw {baseline.MegabytesPerSecond,7:N1} MB/s | ratio {emulator.MegabytesPerSecond / baseline.MegabytesPerSecond,5:P0}");

    public static string Markdown(IReadOnlyList<ScenarioResult> results)
    {
        var table = new StringBuilder();
        table.AppendLine("| batch | producers | emulator events/s | emulator MB/s | p50 ms | p99 ms | cores busy | GC pause | raw MB/s | raw p50 ms | emulator / raw |");
        table.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i + 1 < results.Count; i += 2)
        {
            ScenarioResult raw = results[i];
            ScenarioResult emulator = results[i + 1];
            table.AppendLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {emulator.Scenario.BatchSize} | {emulator.Scenario.Producers} | {emulator.EventsPerSecond:N0} | {emulator.MegabytesPerSecond:N1} | {emulator.P50Milliseconds:N2} | {emulator.P99Milliseconds:N2} | {emulator.CoresBusy:N2} | {emulator.GcPauseShare:P0} | {raw.MegabytesPerSecond:N1} | {raw.P50Milliseconds:N2} | {emulator.MegabytesPerSecond / raw.MegabytesPerSecond:P0} |"));
        }

        return table.ToString();
    }
}
