using System.Net;
using System.Text;
using System.Text.Json;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>
/// Posts numbered batches, each under its own Idempotency-Key and retried with it until a 200, and
/// remembers the event ids of every acknowledged one (<c>{batchId}:{index}</c>).
/// </summary>
internal sealed class KeyedPoster(string tenant, string apiKey, string name, PipelineApi api, int eventsPerPost)
{
    private readonly List<string> _acked = [];
    private readonly List<(string BatchId, string IdempotencyKey, DateTimeOffset At)> _batches = [];
    private volatile PipelineApi _api = api;
    private int _ackedBatches;
    private int _failures;

    public string Tenant => tenant;

    public int AckedBatches => Volatile.Read(ref _ackedBatches);

    public int Failures => Volatile.Read(ref _failures);

    public IReadOnlyList<string> AckedEventIds
    {
        get
        {
            lock (_acked)
            {
                return [.. _acked];
            }
        }
    }

    /// <summary>
    /// How many of the posters' acknowledged events <paramref name="found"/> lacks, and in which batches (the first
    /// 12): batch id, Idempotency-Key and when its 200 came, so a failure says which phase of a test lost them.
    /// </summary>
    public static string DescribeMissing(IEnumerable<KeyedPoster> posters, IReadOnlySet<string> found)
    {
        var acknowledged = posters.ToList();
        var expected = acknowledged.Sum(static p => p.AckedEventIds.Count);
        var missing = acknowledged.Sum(p => p.AckedEventIds.Count(id => !found.Contains(id)));
        return $"{missing} of {expected} acknowledged events missing, in batches {string.Join(", ", acknowledged.SelectMany(p => p.MissingBatches(found)).Take(12))}";
    }

    private List<string> MissingBatches(IReadOnlySet<string> found)
    {
        lock (_acked)
        {
            return _batches
                .Select(b => (b, Missing: Enumerable.Range(0, eventsPerPost).Count(i => !found.Contains($"{b.BatchId}:{i}"))))
                .Where(static x => x.Missing > 0)
                .Select(static x => $"{x.b.BatchId} ({x.b.IdempotencyKey}, acknowledged {x.b.At:HH:mm:ss.fff}, {x.Missing} missing)")
                .ToList();
        }
    }

    public void Switch(PipelineApi next) => _api = next;

    public async Task RunAsync(CancellationToken stop)
    {
        for (var post = 0; !stop.IsCancellationRequested; post++)
        {
            var body = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, eventsPerPost)
                .Select(i => $$"""{"message":"{{tenant}} {{name}} post {{post}} event {{i}}","n":{{i}}}""")));
            var idempotencyKey = $"{name}-{post}";
            // Once sent, a batch is retried until acknowledged, also after stop: its first attempt may be stored.
            for (var attempt = 0; attempt < 600; attempt++)
            {
                if (await TryPostAsync(body, idempotencyKey))
                {
                    break;
                }

                Interlocked.Increment(ref _failures);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            }
        }
    }

    private async Task<bool> TryPostAsync(byte[] body, string idempotencyKey)
    {
        try
        {
            using var response = await _api.PostAsync(apiKey, body, "application/x-ndjson", idempotencyKey: idempotencyKey);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None));
            var batch = json.RootElement.GetProperty("batchId").GetString();
            lock (_acked)
            {
                for (var i = 0; i < eventsPerPost; i++)
                {
                    _acked.Add($"{batch}:{i}");
                }

                _batches.Add((batch!, idempotencyKey, DateTimeOffset.UtcNow));
            }

            Interlocked.Increment(ref _ackedBatches);
            return true;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            return false;
        }
    }
}
