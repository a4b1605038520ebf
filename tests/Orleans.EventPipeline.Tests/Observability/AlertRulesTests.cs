using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>
/// The alert rules under infra/prometheus: Prometheus loads them, each fires on the series it is for and not on
/// the ones beside them (promtool's rule unit tests), docs/OPERATIONS.md describes each without a second copy
/// of its PromQL, and the scrape job they name is the one the shipped Prometheus configuration defines.
/// </summary>
public sealed partial class AlertRulesTests
{
    internal static readonly string RulesFile = RepositoryFiles.PathOf("infra", "prometheus", "alerts.yml");

    [Fact]
    public async Task Rules_PromtoolLoadsThem_AndEveryAlertPassesItsUnitTests()
    {
        var alerts = AlertNames(await File.ReadAllTextAsync(RulesFile));
        var unitTests = await RepositoryFiles.ReadAsync("infra", "prometheus", "alerts.test.yml");

        var (checkExit, checkOutput) = await Promtool.RunAsync("check", "rules", RulesFile);
        var (testExit, testOutput) = await Promtool.RunAsync("test", "rules", RepositoryFiles.PathOf("infra", "prometheus", "alerts.test.yml"));

        Assert.True(checkExit == 0, $"promtool check rules exited {checkExit}:\n{checkOutput}");
        Assert.True(testExit == 0, $"promtool test rules exited {testExit}:\n{testOutput}");
        Assert.True(alerts.Count >= 10, $"alerts.yml has {alerts.Count} alerts");
        // Every alert is tested both ways: once expected to fire (a list of alerts) and once expected silent ([]).
        Assert.All(alerts, alert =>
        {
            var cases = AlertCase().Matches(unitTests).Where(match => match.Groups[1].Value == alert).ToList();
            Assert.True(cases.Any(static match => match.Groups[2].Value.Length == 0), $"no unit test expects {alert} to fire");
            Assert.True(cases.Any(static match => match.Groups[2].Value == "[]"), $"no unit test expects {alert} to stay silent");
        });
    }

    [Fact]
    public async Task Operations_DescribesEveryAlert_PointsAtTheRulesFile_AndHoldsNoCopyOfTheirPromQL()
    {
        var alerts = AlertNames(await File.ReadAllTextAsync(RulesFile));
        var operations = await RepositoryFiles.ReadAsync("docs", "OPERATIONS.md");
        var section = AlertsSection().Match(operations);

        Assert.True(section.Success, "docs/OPERATIONS.md has no '## Alerts' section");
        Assert.Contains("infra/prometheus/alerts.yml", section.Value, StringComparison.Ordinal);
        Assert.All(alerts, alert => Assert.Contains($"`{alert}`", section.Value, StringComparison.Ordinal));
        // One copy of each expression, in the rules file: a second one in the doc would drift from it.
        Assert.DoesNotMatch(PromQl(), section.Value);
    }

    [Fact]
    public async Task Rules_EveryScrapeJobTheyName_IsDefinedByTheShippedPrometheusConfiguration()
    {
        var rules = await File.ReadAllTextAsync(RulesFile);
        var configuration = await RepositoryFiles.ReadAsync("infra", "prometheus", "prometheus.yml");
        var jobs = JobSelector().Matches(rules).Select(static match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var defined = JobName().Matches(configuration).Select(static match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(jobs);
        Assert.All(jobs, job => Assert.Contains(job, defined));
        Assert.Matches(@"(?m)^rule_files:\s*\n\s*- alerts\.yml\s*$", configuration);
    }

    internal static List<string> AlertNames(string rules) => AlertLine().Matches(rules).Select(static match => match.Groups[1].Value).ToList();

    [GeneratedRegex(@"(?m)^\s*- alert: (\S+)\s*$")]
    private static partial Regex AlertLine();

    /// <summary>A unit test case: its alert and, when it expects silence, its <c>[]</c>.</summary>
    [GeneratedRegex(@"(?m)^\s*alertname: (\S+)\s*\n\s*exp_alerts:[ ]*(\[\])?")]
    private static partial Regex AlertCase();

    [GeneratedRegex(@"(?ms)^## Alerts\s*$.*?(?=^## )")]
    private static partial Regex AlertsSection();

    [GeneratedRegex(@"\b(?:rate|increase|histogram_quantile|sum by)\s*\(")]
    private static partial Regex PromQl();

    [GeneratedRegex("""\bjob="([^"]+)""")]
    private static partial Regex JobSelector();

    [GeneratedRegex(@"(?m)^\s*- job_name: (\S+)\s*$")]
    private static partial Regex JobName();
}
