using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Tests.Reliability;

/// <summary>
/// A differential property test of the whole pipeline (real silo, real embedded emulator): generated
/// batches mixing valid events with hostile content, under a fixed seed. Afterwards every event the
/// gateway accepted is in the archive exactly once or in the processor's dead letters exactly once (with
/// its bytes), and every event it did not accept was named in the answer and kept as an ingest dead letter.
/// The suite runs a short run; <c>EVENTPIPELINE_PROPERTY_BATCHES</c> (batches per tenant) and
/// <c>EVENTPIPELINE_PROPERTY_SEED</c> make the long run of docs/RELIABILITY.md.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class HostileContentPropertyTests(ITestOutputHelper output) : IDisposable
{
    private const int ShortRunBatches = 40;
    private const int DefaultSeed = 20261130;
    private const int MaxEventBytes = 256 * 1024;
    private readonly TempDirectory _data = new();

    private static int Batches => Environment.GetEnvironmentVariable("EVENTPIPELINE_PROPERTY_BATCHES") is { Length: > 0 } value
        ? int.Parse(value, CultureInfo.InvariantCulture) : ShortRunBatches;

    private static int Seed => Environment.GetEnvironmentVariable("EVENTPIPELINE_PROPERTY_SEED") is { Length: > 0 } value
        ? int.Parse(value, CultureInfo.InvariantCulture) : DefaultSeed;

    [Fact]
    public async Task HostileBatches_EveryAcceptedEventArchivedOrDeadLetteredOnce_EveryOtherNamedInItsAnswer()
    {
        await using var silo = await ProcessingSilo.StartAsync(_data.Path);
        using var api = new PipelineApi(silo.BaseAddress);
        var tenants = new (string Id, object Settings)[]
        {
            ("prop-auto", new { displayName = "defaults", enabled = true }),
            // CEF only: every other text line fails normalization; ordering on exercises the derived streams.
            ("prop-cef", new { displayName = "cef", enabled = true, processing = new { normalization = new { textFormat = 3 }, ordering = new { enabled = true, latenessWindow = "00:00:01" } } }),
        };

        var answers = new List<Answer>();
        var foreign = new List<byte[]>();
        await using var producer = new EventHubProducerClient(silo.EventHubsConnectionString);
        for (var t = 0; t < tenants.Length; t++)
        {
            var (tenant, settings) = tenants[t];
            var key = await api.CreateTenantAsync(tenant, settings);
            var generator = new HostileBatchGenerator(Seed + t, MaxEventBytes + 1);
            for (var b = 0; b < Batches; b++)
            {
                if (b % 8 == 3)
                {
                    // Straight to the hub, on the tenant's partition, between its batches.
                    var (properties, body) = generator.NextForeign(tenant);
                    var message = new EventData(body) { Properties = { [StreamReadback.ForeignProperty] = true } };
                    foreach (var (name, value) in properties)
                    {
                        message.Properties[name] = value;
                    }

                    await producer.SendAsync([message], new SendEventOptions { PartitionKey = tenant });
                    foreign.Add(body);
                }

                var batch = generator.Next();
                answers.Add(await PostAsync(api, key, tenant, batch));
                if (batch.PostTwice && answers[^1].BatchId is not null)
                {
                    var again = await PostAsync(api, key, tenant, batch);
                    Assert.Equal(answers[^1].BatchId, again.BatchId);
                    Assert.True(again.Replayed, "a repeated Idempotency-Key must be answered from the first answer");
                }
            }
        }

        var expected = new Dictionary<string, (string Tenant, byte[] Line)>(StringComparer.Ordinal);
        foreach (var answer in answers.Where(static a => a.BatchId is not null))
        {
            var k = 0;
            for (var index = 0; index < answer.Lines.Count; index++)
            {
                if (!answer.Rejected.Contains(index))
                {
                    expected.Add($"{answer.BatchId}:{k++}", (answer.Tenant, answer.Lines[index]));
                }
            }
        }

        var (archived, letters) = await WaitForEveryAcceptedEventAsync(silo, Path.Combine(_data.Path, "archive"), tenants.Select(static t => t.Id).ToArray(), expected.Keys.ToHashSet(StringComparer.Ordinal));

        var handled = archived.Select(static e => e.EventId)
            .Concat(letters.Where(static l => l.Stage != "ingest").Select(static l => $"{l.BatchId}:{l.Index}"))
            .ToList();
        var twice = handled.GroupBy(static id => id, StringComparer.Ordinal).Where(static g => g.Count() > 1).Select(static g => g.Key).ToList();
        Assert.Empty(twice);
        Assert.Empty(handled.Except(expected.Keys, StringComparer.Ordinal));
        Assert.Equal(expected.Count, handled.Count);

        // What was dead-lettered after acceptance carries the bytes the client sent.
        foreach (var letter in letters.Where(static l => l.Stage != "ingest"))
        {
            Assert.Equal(expected[$"{letter.BatchId}:{letter.Index}"].Line, letter.Raw);
        }

        // Each archived event came from the line that carried its marker.
        foreach (var normalized in archived)
        {
            var line = Encoding.UTF8.GetString(expected[normalized.EventId].Line);
            var marker = MarkerIn(line);
            if (marker is not null)
            {
                Assert.True(
                    normalized.Body.Contains(marker, StringComparison.Ordinal) || normalized.Attributes.Values.Any(v => v.ToString().Contains(marker, StringComparison.Ordinal)),
                    $"archived event {normalized.EventId} does not carry {marker} of its line {line[..Math.Min(line.Length, 200)]}");
            }
        }

        // Every refused event was named in its answer and kept, by its request index, as an ingest dead letter.
        foreach (var answer in answers.Where(static a => a.BatchId is not null))
        {
            var ingest = letters.Where(l => l.Stage == "ingest" && l.BatchId == answer.BatchId).ToList();
            Assert.Equal(answer.Rejected.Order(), ingest.Select(static l => l.Index).Order());
            foreach (var letter in ingest)
            {
                Assert.True(answer.Lines[letter.Index].AsSpan().StartsWith(letter.Raw), $"ingest letter {answer.BatchId}:{letter.Index} is not the line sent");
            }
        }

        // Every foreign message is kept whole in the quarantine, once.
        var quarantine = await AdminCalls.WaitForAsync(
            silo.BaseAddress, "/admin/v1/quarantine?limit=1000", json => json.GetProperty("total").GetInt32() >= foreign.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(foreign.Count, quarantine.GetProperty("total").GetInt32());
        Assert.Equal(
            foreign.Select(Convert.ToBase64String).Order(StringComparer.Ordinal),
            quarantine.GetProperty("messages").EnumerateArray().Select(static m => m.GetProperty("body").GetString()!).Order(StringComparer.Ordinal));

        output.WriteLine(
            $"{foreign.Count} foreign messages quarantined; seed {Seed}, {answers.Count} requests, {answers.Sum(static a => a.Lines.Count)} events sent: {expected.Count} accepted " +
            $"({archived.Count} archived, {letters.Count(static l => l.Stage != "ingest")} dead-lettered by processing), " +
            $"{answers.Sum(static a => a.Rejected.Count)} refused by the gateway, {answers.Count(static a => a.BatchId is null)} whole requests refused");
    }

    public void Dispose() => _data.Dispose();

    private static string? MarkerIn(string line)
    {
        var match = System.Text.RegularExpressions.Regex.Match(line, "b[0-9]+e[0-9]+");
        return match.Success ? match.Value : null;
    }

    private static async Task<Answer> PostAsync(PipelineApi api, string key, string tenant, HostileBatch batch)
    {
        using var response = await api.PostAsync(key, batch.Body(), batch.ContentType, idempotencyKey: batch.IdempotencyKey);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            // A whole request may be refused only with a 4xx naming the problem; then nothing of it is stored.
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode} for a request of {batch.Lines.Count} lines: {text}");
            Assert.Contains("\"detail\"", text, StringComparison.Ordinal);
            return new Answer(tenant, batch.Lines, null, [], false);
        }

        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        var rejected = root.GetProperty("rejected").EnumerateArray().Select(static r => r.GetProperty("index").GetInt32()).ToList();
        var accepted = root.GetProperty("accepted").GetInt32();
        Assert.Equal(rejected.Count, rejected.Distinct().Count());
        Assert.All(rejected, index => Assert.InRange(index, 0, batch.Lines.Count - 1));
        Assert.Equal(batch.Lines.Count, accepted + rejected.Count);
        return new Answer(tenant, batch.Lines, root.GetProperty("batchId").GetString(), rejected.ToHashSet(), root.TryGetProperty("replayed", out var replayed) && replayed.GetBoolean());
    }

    private static async Task<(List<NormalizedEvent> Archived, List<StoredDeadLetter> Letters)> WaitForEveryAcceptedEventAsync(
        SiloProcess silo, string archiveDirectory, string[] tenants, HashSet<string> expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var archived = new List<NormalizedEvent>();
            foreach (var tenant in tenants)
            {
                archived.AddRange((await ArchiveFiles.ReadAsync(archiveDirectory, tenant)).SelectMany(static o => o.Events));
            }

            var (_, letters) = await StreamReadback.ReadAllAsync(silo.EventHubsConnectionString);
            var seen = archived.Select(static e => e.EventId).Concat(letters.Where(static l => l.Stage != "ingest").Select(static l => $"{l.BatchId}:{l.Index}")).ToHashSet(StringComparer.Ordinal);
            if (expected.IsSubsetOf(seen))
            {
                return (archived, letters);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{expected.Count(id => !seen.Contains(id))} of {expected.Count} accepted events reached neither the archive nor the dead letters within 120 s, e.g. {string.Join(", ", expected.Where(id => !seen.Contains(id)).Take(5))}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    private sealed record Answer(string Tenant, IReadOnlyList<byte[]> Lines, string? BatchId, HashSet<int> Rejected, bool Replayed);
}
