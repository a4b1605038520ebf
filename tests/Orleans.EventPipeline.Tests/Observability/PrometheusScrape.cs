using System.Globalization;
using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>One Prometheus text exposition, read into samples: metric name, labels and value.</summary>
internal sealed partial class PrometheusScrape(string text)
{
    public string Text { get; } = text;

    /// <summary><c>GET /metrics</c> of the silo at <paramref name="baseAddress"/>, as Prometheus scrapes it.</summary>
    public static async Task<PrometheusScrape> FetchAsync(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.ParseAdd("text/plain; version=0.0.4");
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return new PrometheusScrape(await response.Content.ReadAsStringAsync());
    }

    public IReadOnlyList<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> Samples { get; } = Parse(text);

    /// <summary>Names of the metric families the exposition declares (<c># TYPE</c> lines).</summary>
    public IReadOnlySet<string> Families => TypeLine().Matches(Text).Select(static match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include every one of <paramref name="labels"/>; 0 when none.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(sample => sample.Name == name && labels.All(label => sample.Labels.TryGetValue(label.Key, out var value) && value == label.Value))
            .Sum(static sample => sample.Value);

    /// <summary>Whether any sample of any metric carries the label.</summary>
    public bool AnyWithLabel(string key, string value) =>
        Samples.Any(sample => sample.Labels.TryGetValue(key, out var found) && found == value);

    private static List<(string, IReadOnlyDictionary<string, string>, double)> Parse(string text)
    {
        var samples = new List<(string, IReadOnlyDictionary<string, string>, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line of the text format: {line}");
            var labels = LabelPair().Matches(match.Groups[2].Value)
                .ToDictionary(static pair => pair.Groups[1].Value, static pair => Regex.Unescape(pair.Groups[2].Value), StringComparer.Ordinal);
            var value = match.Groups[3].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var number => double.Parse(number, CultureInfo.InvariantCulture),
            };
            samples.Add((match.Groups[1].Value, labels, value));
        }

        return samples;
    }

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?""")]
    private static partial Regex LabelPair();

    [GeneratedRegex(@"^# TYPE (\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
