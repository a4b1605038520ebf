using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A tenant's dead letters in azure mode, where grain state is an Azure Table entity (at most about 1 MB):
/// a flood of bad lines must not make the dead-letter grain's state too large to write.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class DeadLetterFloodAzureTests
{
    private const string Key = "ZGVhZC1sZXR0ZXItZmxvb2Qta2V5LTAxMjM0NTY3OA==";
    private const string Tenant = "flood";
    private const int Batches = 10;
    private const int LinesPerBatch = 500;

    [Fact]
    public async Task Post_ThousandsOfBadLines_AzureMode_EveryLetterCountedAndListed_StateWritesSucceed()
    {
        using var data = new TempDirectory();
        await using var azure = await AzureModeEnvironment.StartAsync(data.Path);
        await using var silo = azure.StartSilo(Path.Combine(data.Path, "silo"));
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var api = new PipelineApi(silo.BaseAddress);
        var apiKey = await api.CreateTenantAsync(Tenant);

        // 5,000 lines that are not JSON, about 4 KB each: the kept letters alone are 1 MiB of raw bytes
        // (Pipeline:Processing:RetainedDeadLetterBytes), more with their reasons, and one good line per batch.
        for (var batch = 0; batch < Batches; batch++)
        {
            var body = new StringBuilder();
            for (var line = 0; line < LinesPerBatch; line++)
            {
                body.Append(Line(batch, line)).Append(' ', 4000).Append('\n');
            }

            body.Append("{\"good\":").Append(batch).Append("}\n");
            using var response = await api.PostAsync(apiKey, Encoding.UTF8.GetBytes(body.ToString()), "application/x-ndjson");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        const int total = Batches * LinesPerBatch;
        var summary = await AdminCalls.WaitForAsync(
            silo.BaseAddress, $"/admin/v1/tenants/{Tenant}/deadletters?recent=3", static json => json.GetProperty("total").GetInt64() >= total, TimeSpan.FromSeconds(120));

        Assert.Equal(total, summary.GetProperty("total").GetInt64());
        Assert.Equal(total, summary.GetProperty("counts").GetProperty("ingest").GetInt64());
        Assert.Equal(total, summary.GetProperty("retained").GetInt32() + summary.GetProperty("past").GetInt64());
        var newest = summary.GetProperty("recent").EnumerateArray()
            .Select(static l => Encoding.UTF8.GetString(l.GetProperty("raw").GetBytesFromBase64()).TrimEnd())
            .ToArray();
        Assert.Equal([Line(Batches - 1, LinesPerBatch - 1), Line(Batches - 1, LinesPerBatch - 2), Line(Batches - 1, LinesPerBatch - 3)], newest);
        Assert.DoesNotContain("too large", silo.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("RequestBodyTooLarge", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("EntityTooLarge", silo.Output, StringComparison.Ordinal);
    }

    private static string Line(int batch, int line) => $"bad line {batch}-{line}";
}
