using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

[Collection(HeavyProcessTests.Name)]
public sealed class CrashExactlyOnceTests : IDisposable
{
    private const string Tenant = "crash";
    private const int EventsPerPost = 25;
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task SigkillMidStream_RestartOnSameData_EveryAckedEventArchivedExactlyOnce()
    {
        var acked = new HashSet<string>(StringComparer.Ordinal);
        var silo = await ProcessingSilo.StartAsync(_data.Path);
        try
        {
            var api = new PipelineApi(silo.BaseAddress);
            var key = await api.CreateTenantAsync(Tenant);
            using var stop = new CancellationTokenSource();
            var poster = new Poster(key, api);
            var posting = poster.RunAsync(acked, stop.Token);

            // Kill once part of the stream is archived (so the restart must skip it) and more is in flight.
            var archiveDirectory = Path.Combine(_data.Path, "archive");
            await ArchiveFiles.WaitForAsync(archiveDirectory, Tenant, static events => events.Count >= 4 * EventsPerPost, TimeSpan.FromSeconds(60));
            await Poster.WaitForAckedAsync(acked, 16 * EventsPerPost, TimeSpan.FromSeconds(60));
            await silo.KillAsync();

            silo = await ProcessingSilo.StartAsync(_data.Path);
            var restartedApi = new PipelineApi(silo.BaseAddress);
            var ackedBeforeRestart = Poster.Acked(acked);
            poster.Switch(restartedApi);
            await Poster.WaitForAckedAsync(acked, ackedBeforeRestart + (8 * EventsPerPost), TimeSpan.FromSeconds(60));
            await stop.CancelAsync();
            await posting;
            api.Dispose();

            string[] expected;
            lock (acked)
            {
                expected = [.. acked];
            }

            var objects = await ArchiveFiles.WaitForAsync(
                archiveDirectory, Tenant, events => expected.All(new HashSet<string>(events.Select(static e => e.EventId), StringComparer.Ordinal).Contains), TimeSpan.FromSeconds(90));
            var archived = objects.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList();
            var duplicates = archived.GroupBy(static id => id, StringComparer.Ordinal).Where(static g => g.Count() > 1).Select(static g => g.Key).ToList();

            Assert.Empty(duplicates);
            Assert.Empty(expected.Except(archived, StringComparer.Ordinal));
            // The poster was sending while the silo was down, and the restarted processor resumed from its saved position.
            Assert.True(poster.Failures > 0);
            Assert.Matches($@"Processor {Tenant} active, archived through raw sequence \d+", silo.Output);
            restartedApi.Dispose();
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();

    /// <summary>Posts numbered batches without pause; records the ids of the events each 200 acknowledged.</summary>
    private sealed class Poster(string key, PipelineApi api)
    {
        private volatile PipelineApi _api = api;
        private int _failures;

        public int Failures => _failures;

        public void Switch(PipelineApi next) => _api = next;

        public static int Acked(HashSet<string> acked)
        {
            lock (acked)
            {
                return acked.Count;
            }
        }

        public async Task RunAsync(HashSet<string> acked, CancellationToken stop)
        {
            for (var post = 0; !stop.IsCancellationRequested; post++)
            {
                var body = string.Join('\n', Enumerable.Range(0, EventsPerPost).Select(i => $$"""{"message":"post {{post}} event {{i}}","n":{{i}}}"""));
                try
                {
                    using var response = await _api.PostAsync(key, Encoding.UTF8.GetBytes(body), "application/x-ndjson");
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref _failures);
                        await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                        continue;
                    }

                    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None));
                    var batch = json.RootElement.GetProperty("batchId").GetString();
                    lock (acked)
                    {
                        for (var i = 0; i < EventsPerPost; i++)
                        {
                            acked.Add($"{batch}:{i}");
                        }
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or InvalidOperationException)
                {
                    // The silo is down: nothing was acknowledged; try again shortly, like an agent would.
                    Interlocked.Increment(ref _failures);
                    await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                }
            }
        }

        public static Task WaitForAckedAsync(HashSet<string> acked, int count, TimeSpan timeout) =>
            Poll.UntilAsync(() => Acked(acked) >= count, timeout, () => $"only {Acked(acked)} events were acknowledged, expected {count}.");
    }
}
