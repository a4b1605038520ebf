using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>Splunk HEC against the real silo: answers in HEC's shape, events archived with what HEC carried.</summary>
[Collection(ProcessingSiloGroup.Name)]
public sealed class HecTests(ProcessingPipelineFixture pipeline) : IDisposable
{
    private readonly HecClient _hec = new(pipeline.Silo.BaseAddress);

    public void Dispose() => _hec.Dispose();

    [Fact]
    public async Task Event_ConcatenatedEventsWithAndWithoutWhitespace_ArchivedWithHecFields()
    {
        const string tenant = "hec-concat";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        // Three objects back to back, then one after a newline and spaces; text and object events; time as a number and a string.
        var body =
            """{"time":1714564800.25,"host":"web-1","source":"/var/log/app.log","sourcetype":"app","index":"main","event":"login failed","fields":{"user":"ann","tries":3,"tags":["a","b"]}}""" +
            """{"time":"1714564801","event":{"message":"disk full","level":"warn","disk":"/dev/sda1"}}""" +
            """{"event":"third"}""" +
            "\n   " + """{"event":42}""";

        using var response = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), body);
        var (status, code, answer) = await HecClient.AnswerAsync(response);
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 4, TimeSpan.FromSeconds(60));

        Assert.Equal((200, 0), (status, code));
        Assert.Equal("Success", answer.GetProperty("text").GetString());
        var events = objects.SelectMany(static o => o.Events).ToDictionary(static e => e.Body);
        Assert.Equal(4, events.Count);
        Assert.All(events.Values, static e => Assert.Equal(SourceFormat.Hec, e.Format));

        var text = events["login failed"];
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 0, 250, TimeSpan.Zero), text.Timestamp);
        Assert.Equal("web-1", text.Resource["host.name"]);
        Assert.Equal("/var/log/app.log", text.Resource["com.splunk.source"]);
        Assert.Equal("app", text.Resource["com.splunk.sourcetype"]);
        Assert.Equal("main", text.Resource["com.splunk.index"]);
        Assert.Equal("ann", text.Attributes["user"].Text);
        Assert.Equal(3, text.Attributes["tries"].IntValue);
        Assert.Equal("[\"a\",\"b\"]", text.Attributes["tags"].Text);

        // An object event is read with the tenant's JSON mapping, as a native event.
        var structured = events["disk full"];
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 1, TimeSpan.Zero), structured.Timestamp);
        Assert.Equal(13, structured.SeverityNumber);
        Assert.Equal("/dev/sda1", structured.Attributes["disk"].Text);

        Assert.Null(events["third"].Timestamp);
        Assert.True(events.ContainsKey("42"));
    }

    [Fact]
    public async Task Event_FormUrlEncodedContentTypeGzipBody_AcceptedAsJson()
    {
        const string tenant = "hec-form";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var json = Encoding.UTF8.GetBytes("""{"event":"from curl"} {"event":"and again"}""");
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(json);
        }

        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await _hec.PostAsync("/services/collector", HecClient.Splunk(key), content, "application/x-www-form-urlencoded");
        var (status, code, _) = await HecClient.AnswerAsync(response);
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 2, TimeSpan.FromSeconds(60));

        Assert.Equal((200, 0), (status, code));
        Assert.Equal(["and again", "from curl"], objects.SelectMany(static o => o.Events).Select(static e => e.Body).Order(StringComparer.Ordinal));
    }

    /// <summary>A gzipped body without Content-Encoding: code 6 named a JSON parser's complaint about byte 0x1F; it names the header.</summary>
    [Theory]
    [InlineData("/services/collector")]
    [InlineData("/services/collector/raw")]
    public async Task GzipBodyWithoutContentEncoding_Code6NamingTheHeader(string path)
    {
        var key = await pipeline.Api.CreateTenantAsync($"hec-unsaid-{path.Length}");
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync("""{"event":"zipped"}"""u8.ToArray());
        }

        using var response = await _hec.PostAsync(path, HecClient.Splunk(key), new ByteArrayContent(compressed.ToArray()), "application/json");
        var (status, code, body) = await HecClient.AnswerAsync(response);

        Assert.Equal((400, 6), (status, code));
        Assert.Contains("no Content-Encoding: gzip", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_LinesWithQueryMetadataAndQueryToken_ArchivedOnePerLine()
    {
        const string tenant = "hec-raw";
        var key = await pipeline.Api.CreateTenantAsync(tenant);

        using var response = await _hec.PostAsync(
            $"/services/collector/raw?token={key}&host=fw-1&source=syslog&sourcetype=cisco:asa&index=net",
            authorization: null,
            "first line\r\n\n  \nsecond line\n",
            "text/plain");
        var (status, code, _) = await HecClient.AnswerAsync(response);
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 2, TimeSpan.FromSeconds(60));

        Assert.Equal((200, 0), (status, code));
        var events = objects.SelectMany(static o => o.Events).OrderBy(static e => e.Body, StringComparer.Ordinal).ToList();
        Assert.Equal(["first line", "second line"], events.Select(static e => e.Body));
        Assert.All(events, static e =>
        {
            Assert.Equal("fw-1", e.Resource["host.name"]);
            Assert.Equal("syslog", e.Resource["com.splunk.source"]);
            Assert.Equal("cisco:asa", e.Resource["com.splunk.sourcetype"]);
            Assert.Equal("net", e.Resource["com.splunk.index"]);
        });
    }

    [Fact]
    public async Task Health_AnswersHecHealthy()
    {
        using var response = await _hec.GetAsync("/services/collector/health");
        var (status, code, answer) = await HecClient.AnswerAsync(response);

        Assert.Equal((200, 17), (status, code));
        Assert.Equal("HEC is healthy", answer.GetProperty("text").GetString());
    }

    /// <summary>
    /// An ack id reaches the client only in the 200 of a durable request, so only an id whose request is in flight is
    /// false: once durable it is true, also read again, and on a channel this gateway holds nothing of (what it answers
    /// after a restart, or another gateway answers). Before, those were false, and a HEC client with acknowledgment on
    /// sent the acknowledged events again.
    /// </summary>
    [Fact]
    public async Task Acks_FalseOnlyWhileInFlight_TrueOnceDurable_AlsoReadAgainOrWhereTheGatewayHoldsNothing()
    {
        const string tenant = "hec-ack";
        var key = await pipeline.Api.CreateTenantAsync(tenant, new
        {
            displayName = tenant,
            enabled = true,
            limits = new { eventsPerSecond = 2.0, bytesPerSecond = 10_000_000.0, burstSeconds = 1.0 },
        });
        var channel = Guid.NewGuid();

        // Ack 0's request is held open mid-body: not durable, so its ack is false.
        var held = new HeldContent("""{"event":"one"}""", """{"event":"two"}""");
        var first = _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), held, channel: channel);
        await held.FirstPartSent;
        // The gateway issues the id once the request's handler runs, which the first part sent does not wait for.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var whileInFlight = await _hec.AcksAsync(key, channel, 0);
        while (whileInFlight[0] && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20));
            whileInFlight = await _hec.AcksAsync(key, channel, 0);
        }

        held.Release();
        using var firstResponse = await first;
        var (status, code, answer) = await HecClient.AnswerAsync(firstResponse);
        var afterDurable = await _hec.AcksAsync(key, channel, 0);
        var readAgain = await _hec.AcksAsync(key, channel, 0);

        // Over the tenant's rate (2 events/s, the first request took them): refused, and the client gets no ack id.
        using var refused = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), """{"event":"x"}{"event":"y"}{"event":"z"}""", channel: channel);
        var (refusedStatus, refusedCode, refusedAnswer) = await HecClient.AnswerAsync(refused);
        var elsewhere = await _hec.AcksAsync(key, Guid.NewGuid(), 0, 7);

        Assert.False(whileInFlight[0]);
        Assert.Equal((200, 0), (status, code));
        Assert.Equal(0, answer.GetProperty("ackId").GetInt64());
        Assert.True(afterDurable[0]);
        Assert.True(readAgain[0]);
        Assert.Equal((503, 9), (refusedStatus, refusedCode));
        Assert.False(refusedAnswer.TryGetProperty("ackId", out _));
        Assert.True(int.Parse(refused.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.True(elsewhere[0]);
        Assert.True(elsewhere[7]);
    }

    [Fact]
    public async Task Event_HecTimeWinsOverABadEventTimestamp_SizeLimitOnTheEventAsSent()
    {
        const string tenant = "hec-time-size";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        const int limit = 256 * 1024;
        // An object event whose own timestamp is not a time, under a valid HEC time (before: dead-lettered).
        const string badTimestamp = """{"time":1714564800,"event":{"message":"bad ts","timestamp":"not a time"}}""";
        // An event object of exactly the limit as sent; its envelope adds the protocol's members (before: refused).
        var prefix = """{"event":"full""";
        var atLimit = prefix + new string('x', limit - prefix.Length - 2) + "\"}";
        var over = prefix + new string('y', limit - prefix.Length - 1) + "\"}";
        Assert.Equal(limit, Encoding.UTF8.GetByteCount(atLimit));

        using var response = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), badTimestamp + atLimit + over);
        var (status, _, answer) = await HecClient.AnswerAsync(response);
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 2, TimeSpan.FromSeconds(60));

        Assert.Equal(200, status);
        var rejected = Assert.Single(answer.GetProperty("rejected").EnumerateArray());
        Assert.Equal(2, rejected.GetProperty("index").GetInt32());
        Assert.Contains($"the event is {limit + 1} bytes as sent; the limit for one event is {limit} bytes", rejected.ToString(), StringComparison.Ordinal);
        var events = objects.SelectMany(static o => o.Events).ToList();
        var bad = events.Single(static e => e.Body == "bad ts");
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1714564800), bad.Timestamp);
        Assert.Equal("not a time", bad.Attributes["timestamp"].Text);
        Assert.Single(events, static e => e.Body.StartsWith("fullx", StringComparison.Ordinal));
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public async Task Event_TimeAsAStringWithAnExponent_ReadAsTheNumberIs()
    {
        const string tenant = "hec-time-exponent";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        // Splunk takes "1.7e9" as a string as it takes the number (before: the string was refused, the number taken).
        const string body =
            """{"time":"1.7145648025e9","event":"string"}{"time":1.7145648025E9,"event":"number"}{"time":"1.7e9x","event":"bad"}""";

        using var response = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), body);
        var (status, _, answer) = await HecClient.AnswerAsync(response);
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 2, TimeSpan.FromSeconds(60));

        Assert.Equal(200, status);
        var rejected = Assert.Single(answer.GetProperty("rejected").EnumerateArray());
        Assert.Equal(2, rejected.GetProperty("index").GetInt32());
        Assert.Contains("\"time\" is not epoch seconds", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var events = objects.SelectMany(static o => o.Events).ToDictionary(static e => e.Body);
        Assert.Equal(2, events.Count);
        var expected = new DateTimeOffset(2024, 5, 1, 12, 0, 2, 500, TimeSpan.Zero);
        Assert.Equal(expected, events["string"].Timestamp);
        Assert.Equal(expected, events["number"].Timestamp);
    }

    [Fact]
    public async Task Ack_QueryOverItsSmallLimit_413InHecShape_WithOrWithoutContentLength()
    {
        var key = await pipeline.Api.CreateTenantAsync("hec-ack-limit");
        var channel = Guid.NewGuid();
        // 1,000 ids at most (Pipeline:Shippers:HecMaxAcksPerChannel): 64 + 1,000 x 21 bytes. A query padded past it
        // was read whole before (Kestrel's 30 MB was its only bound).
        const int limit = 64 + (1_000 * 21);
        var padded = "{\"acks\":[0]" + new string(' ', limit) + "}";

        using var declared = await _hec.PostAsync($"/services/collector/ack?channel={channel}", HecClient.Splunk(key), padded);
        using var chunked = await _hec.PostAsync($"/services/collector/ack?channel={channel}", HecClient.Splunk(key),
            new StreamContent(new Support.NonSeekableStream(Encoding.UTF8.GetBytes(padded))));
        var small = await _hec.AcksAsync(key, channel, 0);

        foreach (var response in (HttpResponseMessage[])[declared, chunked])
        {
            var (status, code, answer) = await HecClient.AnswerAsync(response);
            Assert.Equal((413, 6), (status, code));
            Assert.Contains($"The ack query exceeds {limit} bytes", answer.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Served: an id this gateway holds no request of in flight is answered true.
        Assert.True(small[0]);
    }

    [Fact]
    public async Task Errors_HecCodesForTokenJsonEventFieldAndDisabledTenant()
    {
        const string tenant = "hec-errors";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var disabledKey = await pipeline.Api.CreateTenantAsync("hec-disabled");
        using var disable = await pipeline.Api.PutTenantAsync("hec-disabled", new { displayName = "hec-disabled", enabled = false });

        using var noToken = await _hec.PostAsync("/services/collector/event", null, """{"event":"x"}""");
        using var badToken = await _hec.PostAsync("/services/collector/event", HecClient.Splunk("not-a-key"), """{"event":"x"}""");
        using var badScheme = await _hec.PostAsync("/services/collector/event", new AuthenticationHeaderValue("Digest", key), """{"event":"x"}""");
        using var badJson = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), """{"event":"ok"}{"event":"broken""");
        using var noEvent = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), """{"host":"h"}""");
        using var blank = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), """{"event":""}""");
        using var disabled = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(disabledKey), """{"event":"x"}""");
        using var basic = await _hec.PostAsync("/services/collector/event", new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("x:" + key))), """{"event":"basic"}""");
        using var bearer = await _hec.PostAsync("/services/collector/event", new AuthenticationHeaderValue("Bearer", key), """{"event":"bearer"}""");
        // A UTF-8 byte-order mark before the first event is skipped, as on /v1/events (before: a 400).
        using var bom = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), "\uFEFF" + """{"event":"bom"}""");
        // One bad event among good ones is refused alone, by index; the others are stored.
        using var mixed = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), """{"event":"good"}{"host":"no event"}""");
        // An object where HEC has text is refused with its name (before: read as "{", and the members
        // nested in it taken for the event's own, so its time and fields were lost).
        using var objectHost = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), """{"event":"X","host":{"time":"garbage","event":"inner"},"time":1714564800}""");
        using var arraySourceType = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), """{"event":"X","sourcetype":["a","b"]}""");
        // An event that is no object is named in JSON's words ("startarray" before).
        using var arrayEvent = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), """[{"event":"in an array"}]""");

        Assert.Equal((401, 2), Pick(await HecClient.AnswerAsync(noToken)));
        Assert.Equal((403, 4), Pick(await HecClient.AnswerAsync(badToken)));
        Assert.Equal((401, 3), Pick(await HecClient.AnswerAsync(badScheme)));
        var (badJsonStatus, badJsonCode, badJsonAnswer) = await HecClient.AnswerAsync(badJson);
        Assert.Equal((400, 6), (badJsonStatus, badJsonCode));
        Assert.Equal(1, badJsonAnswer.GetProperty("invalid-event-number").GetInt32());
        Assert.Equal((400, 12), Pick(await HecClient.AnswerAsync(noEvent)));
        Assert.Equal((400, 13), Pick(await HecClient.AnswerAsync(blank)));
        Assert.Equal((403, 1), Pick(await HecClient.AnswerAsync(disabled)));
        Assert.Equal((200, 0), Pick(await HecClient.AnswerAsync(basic)));
        Assert.Equal((200, 0), Pick(await HecClient.AnswerAsync(bearer)));
        Assert.Equal((200, 0), Pick(await HecClient.AnswerAsync(bom)));
        var (mixedStatus, _, mixedAnswer) = await HecClient.AnswerAsync(mixed);
        Assert.Equal(200, mixedStatus);
        Assert.Equal(1, Assert.Single(mixedAnswer.GetProperty("rejected").EnumerateArray()).GetProperty("index").GetInt32());
        var (objectHostStatus, objectHostCode, objectHostAnswer) = await HecClient.AnswerAsync(objectHost);
        Assert.Equal((400, 6), (objectHostStatus, objectHostCode));
        Assert.Contains("host", objectHostAnswer.ToString(), StringComparison.Ordinal);
        Assert.Contains("is a JSON object; send it as text", objectHostAnswer.ToString(), StringComparison.Ordinal);
        Assert.Equal((400, 6), Pick(await HecClient.AnswerAsync(arraySourceType)));
        var (arrayEventStatus, arrayEventCode, arrayEventAnswer) = await HecClient.AnswerAsync(arrayEvent);
        Assert.Equal((400, 6), (arrayEventStatus, arrayEventCode));
        Assert.Contains("Event 0 is a JSON array, not an object", arrayEventAnswer.ToString(), StringComparison.Ordinal);

        // The broken body stored nothing: only the accepted events of the other requests are archived.
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 4, TimeSpan.FromSeconds(60));
        Assert.Equal(["basic", "bearer", "bom", "good"], objects.SelectMany(static o => o.Events).Select(static e => e.Body).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// A body none of whose events can be taken is refused as Splunk refuses it, 400 with nothing indexed, and stores
    /// nothing: before, its events went to the tenant's dead letters under the 400, so a client retrying the refusal
    /// (or a shipper resending) added them again each time, while the answer said nothing was taken.
    /// </summary>
    [Fact]
    public async Task Event_EveryEventBad_400NamingTheFirst_NoDeadLetter_ARetryNeither()
    {
        const string tenant = "hec-all-bad";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        const string allBad = """{"host":"no event"}{"event":""}{"event":"x","fields":{"n":{"x":1}}}""";
        const string badOfMixed = """{"event":"bad","fields":{"n":{"x":1}}}""";

        using var refused = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), allBad);
        using var retried = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), allBad);
        // A body with a good event and a bad one after them: its letter comes after any of theirs on the tenant's
        // dead-letter stream, so once it is counted, theirs would be too.
        using var mixed = await _hec.PostAsync("/services/collector/event", HecClient.Splunk(key), """{"event":"good"}""" + badOfMixed);
        var summary = await AdminCalls.WaitForAsync(
            pipeline.Silo.BaseAddress, $"/admin/v1/tenants/{tenant}/deadletters", static json => json.GetProperty("total").GetInt64() >= 1, TimeSpan.FromSeconds(60));

        // The refused bodies left no letter: the mixed body's is the only one.
        Assert.Equal(1, summary.GetProperty("total").GetInt64());
        var letter = Assert.Single(summary.GetProperty("recent").EnumerateArray());
        Assert.Equal(badOfMixed, Encoding.UTF8.GetString(letter.GetProperty("raw").GetBytesFromBase64()));

        foreach (var response in (HttpResponseMessage[])[refused, retried])
        {
            var (status, code, answer) = await HecClient.AnswerAsync(response);
            Assert.Equal((400, 12), (status, code));
            Assert.Equal(0, answer.GetProperty("invalid-event-number").GetInt32());
            var detail = answer.GetProperty("detail").GetString();
            Assert.Contains("None of the 3 events could be taken (the first, event 0: the object has no \"event\" field", detail, StringComparison.Ordinal);
            Assert.Contains("Nothing was stored, not even a dead letter.", detail, StringComparison.Ordinal);
            Assert.False(answer.TryGetProperty("ackId", out _));
        }

        var (mixedStatus, _, mixedAnswer) = await HecClient.AnswerAsync(mixed);
        Assert.Equal(200, mixedStatus);
        Assert.Equal(1, Assert.Single(mixedAnswer.GetProperty("rejected").EnumerateArray()).GetProperty("index").GetInt32());

        // Refused whole, their events still count as rejected, by reason (helper-137: they had dropped out of the counts):
        // 3 + 3 + the mixed body's 1, none too large. The exporter may answer from its short cache: scraped until it shows them.
        var rejected = 0d;
        await Poll.UntilAsync(
            () =>
            {
                var scrape = Observability.PrometheusScrape.FetchAsync(pipeline.Silo.BaseAddress).GetAwaiter().GetResult();
                rejected = scrape.Sum("eventpipeline_ingest_rejected_total", ("tenant", tenant), ("reason", "invalid"));
                return rejected >= 7;
            },
            TimeSpan.FromSeconds(10),
            () => $"eventpipeline_ingest_rejected_total{{reason=invalid}} of {tenant} to reach 7, it is {rejected}");
        Assert.Equal(7, rejected);
    }

    private static (int, int) Pick((int Status, int Code, System.Text.Json.JsonElement _) answer) => (answer.Status, answer.Code);

    /// <summary>A body sent in two parts: the second only after <see cref="Release"/>.</summary>
    private sealed class HeldContent(string first, string second) : HttpContent
    {
        private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstPartSent => _sent.Task;

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(first));
            await stream.FlushAsync();
            _sent.TrySetResult();
            await _release.Task;
            await stream.WriteAsync(Encoding.UTF8.GetBytes(second));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
