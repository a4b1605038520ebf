using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A batch's delivery fails (the processor's state write before its dead letters is refused), and the tenant's settings
/// change before the retry: the retry must meet the stages the first attempt met. A first attempt that failed after
/// sending some of its letters would otherwise have its lettered event archived too (it now passes), or another event
/// lettered under a part number the dead-letter store takes for a repeat.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class SettingsChangeDuringRetryTests : IDisposable
{
    private const string Tenant = "swap";
    private const string NotCef = "this is not cef at all";
    private static readonly TimeSpan SettingsRefresh = TimeSpan.FromMilliseconds(200);
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task SettingsChangeWhileADeliveryFails_Retry_EachEventArchivedOrLetteredOnce()
    {
        // The processor re-reads settings every SettingsRefresh here, so that it reads the change while the retries are
        // still refused (each redelivery comes no sooner than 1 s after a failure: Orleans' default delivery backoff).
        var silo = await ProcessingSilo.StartAsync(_data.Path, $"--Pipeline:Processing:SettingsRefreshInterval={SettingsRefresh:c}");
        try
        {
            using var api = new PipelineApi(silo.BaseAddress);
            // TextFormat 3 = Cef: an explicit format dead-letters a line that does not parse; Auto (0) keeps it as text.
            var key = await api.CreateTenantAsync(Tenant, new { displayName = Tenant, processing = new { normalization = new { textFormat = 3 } } });
            await ProcessorStateFault.SetAsync(_data.Path, refuse: true);

            using (var response = await api.PostAsync(key, Encoding.UTF8.GetBytes($"CEF:0|Acme|Fw|1.0|7|Deny|5|src=10.0.0.1\n{NotCef}\n"), "text/plain"))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            // The first attempt could not record its letter before sending it: the delivery fails and is retried, and fails
            // again while the fault lasts. The settings change at once.
            await Poll.UntilAsync(() => silo.Output.Contains(ProcessorStateFault.Refusal, StringComparison.Ordinal), TimeSpan.FromSeconds(30), static () => "the processor's state write refused");
            using (var changed = await api.PutTenantAsync(Tenant, new { displayName = Tenant, processing = new { normalization = new { textFormat = 0 } } }))
            {
                Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync());
            }

            // The processor read the new version while the retry was pending, and kept the old one for it.
            await Poll.UntilAsync(
                () => silo.Output.Contains($"Processor {Tenant} keeps settings version", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30),
                () => $"The processor did not keep its settings for the retry. Its lines, warnings and errors:\n{silo.Excerpt(40, $"Processor {Tenant} ", "refuses raw sequence")}");
            await ProcessorStateFault.SetAsync(_data.Path, refuse: false);

            var objects = await ArchiveFiles.WaitForAsync(Path.Combine(_data.Path, "archive"), Tenant, static events => events.Count >= 1, TimeSpan.FromSeconds(60));
            await Poll.UntilAsync(() => ProcessorStateFault.StoredStates(_data.Path) > 0, TimeSpan.FromSeconds(30), static () => "the retry recorded");
            var summary = await AdminCalls.GetAsync(silo.BaseAddress, $"/admin/v1/tenants/{Tenant}/deadletters");

            // The retry met the first attempt's settings (CEF): the line is a dead letter, once, and never archived.
            Assert.Equal("Deny", Assert.Single(objects.SelectMany(static o => o.Events)).Body);
            Assert.Equal(1, summary.GetProperty("total").GetInt64());
            var letter = Assert.Single(summary.GetProperty("recent").EnumerateArray());
            Assert.Equal(NotCef, Encoding.UTF8.GetString(letter.GetProperty("raw").GetBytesFromBase64()).TrimEnd('\r', '\n'));
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();
}
