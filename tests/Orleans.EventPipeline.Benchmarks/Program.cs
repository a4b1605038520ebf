using System.Globalization;
using Orleans.EventPipeline.Benchmarks;

// Usage: dotnet run -c Release --project tests/Orleans.EventPipeline.Benchmarks --
//        [seconds per scenario = 5] [data folder = temp] [batch sizes = 100,1000] [producer counts = 1,2,4,8,16]
//        [connection string of a running emulator, with EntityPath; default: start one in-process]
double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 5;
string dataRoot = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "ehemu-bench");
int[] batchSizes = args.Length > 2 ? ParseList(args[2]) : [100, 1000];
int[] producerCounts = args.Length > 3 ? ParseList(args[3]) : [1, 2, 4, 8, 16];
string? external = args.Length > 4 ? args[4] : null;
var duration = TimeSpan.FromSeconds(seconds);

var results = new List<ScenarioResult>();
foreach (int batchSize in batchSizes)
{
    foreach (int producers in producerCounts)
    {
        var scenario = new Scenario(batchSize, producers, EventBytes: 1024, duration);
        ScenarioResult baseline = await RawFsyncBaseline.RunAsync(scenario, Path.Combine(dataRoot, "raw"));
        ScenarioResult emulator = await EmulatorThroughput.RunAsync(scenario, Path.Combine(dataRoot, "emulator"), external);
        results.Add(baseline);
        results.Add(emulator);
        Console.WriteLine(ResultTable.Row(emulator, baseline));
    }
}

Console.WriteLine();
Console.WriteLine(ResultTable.Markdown(results));

static int[] ParseList(string text) => [.. text.Split(',').Select(static s => int.Parse(s, CultureInfo.InvariantCulture))];
