using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A batch is handled under one set of settings, the tenant's settings change, and the silo is killed before the
/// partition's checkpoint passes the batch: the restart replays it and meets the new settings first.
/// <list type="bullet">
/// <item>Archived and recorded: its replay sends no letters, or it would dead-letter an event the archive holds (the
/// archive position is only recorded after the letters of every batch below it).</item>
/// <item>Dead-lettered and still in the archive buffer: its replay meets the settings that lettered it, recorded with
/// the processor's state before the letters were sent, or it would archive the lettered event too.</item>
/// <item>Archived and not recorded (a grain store refusing the record): its replay meets the settings the object was
/// written under, recorded before the object, and rebuilds the same object, or it would cut one that does not
/// supersede the written one.</item>
/// <item>Dead-lettered whole, then a live switch: the tick writes the buffer early for the new settings and records the
/// first position under them, and a replay takes nothing from a batch before it.</item>
/// </list>
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class SettingsChangeBeforeReplayTests : IDisposable
{
    private const string Tenant = "replayed";
    private const string NotCef = "this is not cef at all";
    private const string NotCefAfterRestart = "nor is this cef";

    // The Debug line of each delivery names its raw sequence and batch: it shows the replay happened.
    private const string DeliveryLines = "--Logging:LogLevel:Orleans.EventPipeline.Grains.Processing.TenantStreamProcessorGrain=Debug";

    // The live processor does not re-read its settings before the kill: the replay is the first to meet the change (a live
    // switch would record the batch as handled before it, another path than the one under test).
    private const string NoLiveRefresh = "--Pipeline:Processing:SettingsRefreshInterval=00:05:00";
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task ArchivedUnderOldSettings_KillAndReplayUnderNew_NoEventAlsoLettered()
    {
        var silo = await ProcessingSilo.StartAsync(_data.Path, DeliveryLines, NoLiveRefresh);
        try
        {
            string batch;
            string key;
            using (var api = new PipelineApi(silo.BaseAddress))
            {
                // TextFormat 0 = Auto keeps a line that is not CEF as text; 3 = Cef dead-letters it.
                key = await api.CreateTenantAsync(Tenant, new { displayName = Tenant, processing = new { normalization = new { textFormat = 0 } } });
                batch = await PostAsync(api, key, $"CEF:0|Acme|Fw|1.0|7|Deny|5|src=10.0.0.1\n{NotCef}\n");

                await ArchiveFiles.WaitForAsync(Path.Combine(_data.Path, "archive"), Tenant, static events => events.Count >= 2, TimeSpan.FromSeconds(60));
                var sequence = DeliveredSequence(silo.Output, batch);
                await Poll.UntilAsync(() => ProcessorStateFault.ArchivedThrough(_data.Path) >= sequence, TimeSpan.FromSeconds(30), static () => "the archive object recorded");

                using var changed = await api.PutTenantAsync(Tenant, new { displayName = Tenant, processing = new { normalization = new { textFormat = 3 } } });
                Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync());
            }

            await silo.KillAsync();
            await silo.DisposeAsync();
            silo = await ProcessingSilo.StartAsync(_data.Path, DeliveryLines, NoLiveRefresh);

            using var restarted = new PipelineApi(silo.BaseAddress);
            await PostAsync(restarted, key, $"{NotCefAfterRestart}\n");

            // The restart delivered the archived batch again (its checkpoint was still before it), under the new settings.
            await Poll.UntilAsync(
                () => silo.Output.Contains($"batch {batch} of 2 events", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60),
                () => $"The restart did not replay batch {batch}: {silo.Excerpt(20, $"Processor {Tenant} ")}");
            var summary = await WaitForLetterAsync(silo.BaseAddress, NotCefAfterRestart);

            // Only the line posted after the restart is a dead letter: the replayed one stays where it was, in the archive, once.
            var letters = summary.GetProperty("recent").EnumerateArray().Select(Raw).ToList();
            Assert.Equal([NotCefAfterRestart], letters);
            Assert.Equal(1, summary.GetProperty("total").GetInt64());
            var archived = (await ArchiveFiles.ReadAsync(Path.Combine(_data.Path, "archive"), Tenant)).SelectMany(static o => o.Events).ToList();
            Assert.Single(archived, static e => e.Body == NotCef);
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task LetteredNotYetArchived_SettingsChangeThenKill_ReplayMeetsTheSettingsThatLetteredIt()
    {
        // Objects are cut 20 s after their first batch: the batch is lettered and buffered, not archived, when the silo is killed.
        string[] quiet = [DeliveryLines, NoLiveRefresh, "--Pipeline:Archive:MaxAge=00:00:20"];
        var silo = await ProcessingSilo.StartAsync(_data.Path, quiet);
        try
        {
            string batch;
            string key;
            using (var api = new PipelineApi(silo.BaseAddress))
            {
                key = await api.CreateTenantAsync(Tenant, new { displayName = Tenant, processing = new { normalization = new { textFormat = 3 } } });
                batch = await PostAsync(api, key, $"CEF:0|Acme|Fw|1.0|7|Deny|5|src=10.0.0.1\n{NotCef}\n");
                await WaitForLetterAsync(silo.BaseAddress, NotCef);
                using var changed = await api.PutTenantAsync(Tenant, new { displayName = Tenant, processing = new { normalization = new { textFormat = 0 } } });
                Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync());
            }

            Assert.Empty(await ArchiveFiles.ReadAsync(Path.Combine(_data.Path, "archive"), Tenant));
            await silo.KillAsync();
            await silo.DisposeAsync();
            silo = await ProcessingSilo.StartAsync(_data.Path, quiet);

            using var restarted = new PipelineApi(silo.BaseAddress);
            await Poll.UntilAsync(
                () => silo.Output.Contains($"batch {batch} of 2 events", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60),
                () => $"The restart did not replay batch {batch}: {silo.Excerpt(20, $"Processor {Tenant} ")}");

            // A line after the replay meets the new settings (Auto keeps it as text).
            await PostAsync(restarted, key, $"{NotCefAfterRestart}\n");
            var objects = await ArchiveFiles.WaitForAsync(
                Path.Combine(_data.Path, "archive"), Tenant, static events => events.Any(static e => e.Body == NotCefAfterRestart), TimeSpan.FromSeconds(90));
            var summary = await AdminCalls.GetAsync(silo.BaseAddress, $"/admin/v1/tenants/{Tenant}/deadletters");

            // The replayed line was lettered under CEF and stays a letter, once; under the new settings it would have been archived too.
            var bodies = objects.SelectMany(static o => o.Events).Select(static e => e.Body).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["Deny", NotCefAfterRestart], bodies);
            Assert.Equal(1, summary.GetProperty("total").GetInt64());
            Assert.Equal(NotCef, Raw(Assert.Single(summary.GetProperty("recent").EnumerateArray())));
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task ObjectWrittenNotRecorded_SettingsChangeThenKill_ReplayRebuildsTheSameObject()
    {
        // Objects are cut 5 s after their first batch: the two batches posted back to back share one.
        string[] quick = [DeliveryLines, NoLiveRefresh, "--Pipeline:Archive:MaxAge=00:00:05"];
        var silo = await ProcessingSilo.StartAsync(_data.Path, quick);
        try
        {
            string key;
            string second;
            string written;
            using (var api = new PipelineApi(silo.BaseAddress))
            {
                key = await api.CreateTenantAsync(Tenant, new { displayName = Tenant, processing = new { normalization = new { textFormat = 0 } } });
                await ProcessorStateFault.RefuseRecordsAsync(_data.Path);
                await PostAsync(api, key, $"{NotCef}\n");
                second = await PostAsync(api, key, "CEF:0|Acme|Fw|1.0|7|Deny|5|src=10.0.0.1\n");
                var objects = await ArchiveFiles.WaitForAsync(Path.Combine(_data.Path, "archive"), Tenant, static events => events.Count >= 2, TimeSpan.FromSeconds(60));
                Assert.True(objects.Count == 1, "the two batches were archived in different objects: the test did not set up the window");
                written = objects[0].Name;
                await Poll.UntilAsync(() => silo.Output.Contains(ProcessorStateFault.Refusal, StringComparison.Ordinal), TimeSpan.FromSeconds(30), static () => "the object's record refused");

                // Under CEF the first batch's line is a dead letter: a replay under these settings would start its object
                // at the second batch, and leave the written one, which starts at the first, beside it.
                using var changed = await api.PutTenantAsync(Tenant, new { displayName = Tenant, processing = new { normalization = new { textFormat = 3 } } });
                Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync());
            }

            await silo.KillAsync();
            await silo.DisposeAsync();
            await ProcessorStateFault.SetAsync(_data.Path, refuse: false);
            silo = await ProcessingSilo.StartAsync(_data.Path, quick);

            using var restarted = new PipelineApi(silo.BaseAddress);
            await Poll.UntilAsync(
                () => silo.Output.Contains($"batch {second} of 1 events", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60),
                () => $"The restart did not replay batch {second}: {silo.Excerpt(20, $"Processor {Tenant} ")}");
            await PostAsync(restarted, key, "CEF:0|Acme|Fw|1.0|8|Allow|3|src=10.0.0.2\n");
            var archived = await ArchiveFiles.WaitForAsync(
                Path.Combine(_data.Path, "archive"), Tenant, static events => events.Any(static e => e.Body == "Allow"), TimeSpan.FromSeconds(90));
            Assert.Contains(archived, o => o.Name == written);
            var summary = await AdminCalls.GetAsync(silo.BaseAddress, $"/admin/v1/tenants/{Tenant}/deadletters");

            // The replay met the settings the object was written under, rebuilt it and replaced it: each line archived once, none lettered.
            var bodies = archived.SelectMany(static o => o.Events).Select(static e => e.Body).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["Allow", "Deny", NotCef], bodies);
            Assert.Equal(0, summary.GetProperty("total").GetInt64());
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task LetteredThenLiveSwitch_KillAndReplay_TakesNothingFromTheBatchBeforeTheSwitch()
    {
        // Settings read every second; objects cut 2 minutes after their first batch, unless written early for new settings.
        string[] slow = [DeliveryLines, "--Pipeline:Processing:SettingsRefreshInterval=00:00:01", "--Pipeline:Archive:MaxAge=00:02:00"];
        var silo = await ProcessingSilo.StartAsync(_data.Path, slow);
        try
        {
            string lettered;
            string key;
            using (var api = new PipelineApi(silo.BaseAddress))
            {
                key = await api.CreateTenantAsync(Tenant, new { displayName = Tenant, processing = new { normalization = new { textFormat = 3 } } });
                await PostAsync(api, key, "CEF:0|Acme|Fw|1.0|7|Deny|5|src=10.0.0.1\n");
                lettered = await PostAsync(api, key, $"{NotCef}\n");
                await WaitForLetterAsync(silo.BaseAddress, NotCef);
                var sequence = DeliveredSequence(silo.Output, lettered);
                using var changed = await api.PutTenantAsync(Tenant, new { displayName = Tenant, processing = new { normalization = new { textFormat = 0 } } });
                Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync());

                // The new settings wait for the buffer: the tick writes it long before its age, applies them, and records
                // the first position under them, past the lettered batch.
                await ArchiveFiles.WaitForAsync(Path.Combine(_data.Path, "archive"), Tenant, static events => events.Any(static e => e.Body == "Deny"), TimeSpan.FromSeconds(30));
                await Poll.UntilAsync(
                    () => ProcessorStateFault.Highest(_data.Path, nameof(ProcessorState.SettingsFrom)) > sequence,
                    TimeSpan.FromSeconds(30),
                    () => $"the switch recorded past raw sequence {sequence}: {silo.Excerpt(20, $"Processor {Tenant} ")}");

                // Under the new settings a line that is not CEF is kept as text; it is buffered when the silo is killed.
                var later = await PostAsync(api, key, $"{NotCefAfterRestart}\n");
                await Poll.UntilAsync(() => silo.Output.Contains($"batch {later} of 1 events", StringComparison.Ordinal), TimeSpan.FromSeconds(30), static () => "the later batch delivered");
            }

            Assert.True(ProcessorStateFault.ArchivedThrough(_data.Path) < DeliveredSequence(silo.Output, lettered), "the lettered batch is archived: the test does not reach the replay it names");
            await silo.KillAsync();
            await silo.DisposeAsync();
            silo = await ProcessingSilo.StartAsync(_data.Path, DeliveryLines, "--Pipeline:Archive:MaxAge=00:00:02");
            await Poll.UntilAsync(
                () => silo.Output.Contains($"batch {lettered} of 1 events", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60),
                () => $"The restart did not replay batch {lettered}: {silo.Excerpt(20, $"Processor {Tenant} ")}");
            var archived = await ArchiveFiles.WaitForAsync(
                Path.Combine(_data.Path, "archive"), Tenant, static events => events.Any(static e => e.Body == NotCefAfterRestart), TimeSpan.FromSeconds(60));
            var summary = await AdminCalls.GetAsync(silo.BaseAddress, $"/admin/v1/tenants/{Tenant}/deadletters");

            // The lettered batch, before the switch and not archived, met the new settings in the replay and stayed a letter:
            // without the recorded start of the settings it would have been archived as text too.
            var bodies = archived.SelectMany(static o => o.Events).Select(static e => e.Body).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["Deny", NotCefAfterRestart], bodies);
            Assert.Equal(1, summary.GetProperty("total").GetInt64());
            Assert.Equal(NotCef, Raw(Assert.Single(summary.GetProperty("recent").EnumerateArray())));
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();

    private static async Task<string> PostAsync(PipelineApi api, string key, string body)
    {
        using var response = await api.PostAsync(key, Encoding.UTF8.GetBytes(body), "text/plain");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        // The response writes the id without hyphens; the log lines with them.
        return Guid.Parse(json.RootElement.GetProperty("batchId").GetString()!).ToString();
    }

    /// <summary>The raw sequence of the batch's delivery, from its Debug line.</summary>
    private static long DeliveredSequence(string output, string batch)
    {
        var match = Regex.Match(output, $@"takes raw sequence (\d+), batch {batch} ");
        Assert.True(match.Success, $"No delivery line for batch {batch}.");
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static Task<JsonElement> WaitForLetterAsync(Uri baseAddress, string raw) =>
        AdminCalls.WaitForAsync(
            baseAddress, $"/admin/v1/tenants/{Tenant}/deadletters", json => json.GetProperty("recent").EnumerateArray().Any(l => Raw(l) == raw), TimeSpan.FromSeconds(60));

    /// <summary>A listed dead letter's line, without its line end.</summary>
    private static string Raw(JsonElement letter) => Encoding.UTF8.GetString(letter.GetProperty("raw").GetBytesFromBase64()).TrimEnd('\r', '\n');
}
