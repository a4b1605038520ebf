using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>
/// The shipped Prometheus job (<c>infra/prometheus/prometheus.yml</c>) sends the silos' scrape key: without it
/// every silo refuses the scrape (<see cref="MetricsKeyTests"/>), and the deploy guide mounts the file it reads.
/// </summary>
public sealed partial class ScrapeJobTests
{
    [Fact]
    public async Task PipelineJob_SendsTheScrapeKeyFromAFileTheDeployGuideMounts()
    {
        var configuration = await RepositoryFiles.ReadAsync("infra", "prometheus", "prometheus.yml");
        var guide = await RepositoryFiles.ReadAsync("docs", "DEPLOY.md");

        // Not promtool check config: Debian's promtool (test.sh's) is built without Kubernetes service discovery and refuses the file.
        var job = PipelineJob().Match(configuration);
        var credentials = job.Success ? CredentialsFile().Match(job.Value) : Match.Empty;

        Assert.True(job.Success, "prometheus.yml has no job eventpipeline");
        Assert.True(credentials.Success, "the job eventpipeline sends no 'authorization: {type: Bearer, credentials_file: …}': every silo refuses its scrape");
        var file = credentials.Groups[1].Value;
        Assert.Contains(Path.GetDirectoryName(file)!, guide, StringComparison.Ordinal);
        Assert.Contains($"--from-literal={Path.GetFileName(file)}=", guide, StringComparison.Ordinal);
    }

    /// <summary>The job, up to the next one or the end.</summary>
    [GeneratedRegex(@"(?ms)^\s*- job_name: eventpipeline\s*$.*?(?=^\s*- job_name:|\z)")]
    private static partial Regex PipelineJob();

    [GeneratedRegex(@"(?m)^\s*authorization:\s*\n\s*type: Bearer\s*\n\s*credentials_file: (\S+)\s*$")]
    private static partial Regex CredentialsFile();
}
