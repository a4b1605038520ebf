using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>What the silo's own log says on a start and a graceful stop, read from the real process.</summary>
public sealed class SiloLogTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Start_FromAnotherWorkingDirectory_ReadsItsAppSettingsAndLogsJsonLines()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.StartFrom(data.Path, Path.Combine(data.Path, "data"));
        await silo.WaitForReadyAsync(StartTimeout);

        Assert.Equal(0, await silo.TerminateAsync(TimeSpan.FromSeconds(45)));
        var lines = Lines(silo.Output);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line);
            Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _), line);
        }

        // The console format is JSON only in appsettings.json; without it the host logs plain text.
        Assert.Contains(lines, static line => line.Contains("\"Message\":\"Application started.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GracefulStop_WhileReceiversRead_LogsNoCancellationAsWarningOrError()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path);
        await silo.WaitForReadyAsync(StartTimeout);
        using var api = new PipelineApi(silo.BaseAddress);
        var key = await api.CreateTenantAsync("log-stop");
        // A line the gateway rejects travels as a dead letter through the hub: once it is counted the
        // stream receivers are reading, which is what the stop then cancels.
        using var response = await api.PostAsync(key, Encoding.UTF8.GetBytes("not json\n"), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await AdminCalls.WaitForAsync(silo.BaseAddress, "/admin/v1/tenants/log-stop/deadletters", static json => json.GetProperty("total").GetInt64() >= 1, TimeSpan.FromSeconds(60));

        Assert.Equal(0, await silo.TerminateAsync(TimeSpan.FromSeconds(45)));
        var output = silo.Output;
        Assert.Contains("Application is shutting down", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Failed to read from EventHub partition", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception while retrying", output, StringComparison.Ordinal);
        Assert.DoesNotContain("TaskCanceledException", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Participant check thread has not completed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Resilience pipeline executed", output, StringComparison.Ordinal);
    }

    private static List<string> Lines(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
