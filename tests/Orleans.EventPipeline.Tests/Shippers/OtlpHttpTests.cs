using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using OpenTelemetry.Exporter;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>OTLP/HTTP logs against the real silo: the real OpenTelemetry exporter, every JSON shape, partial success, OTLP statuses.</summary>
[Collection(ProcessingSiloGroup.Name)]
public sealed class OtlpHttpTests(ProcessingPipelineFixture pipeline) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = pipeline.Silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task OpenTelemetryExporter_HttpProtobuf_EveryRecordArchivedWithAttributesAndResource()
    {
        const string tenant = "otlp-sdk-http";
        var key = await pipeline.Api.CreateTenantAsync(tenant);

        OtlpExporterRun.Log(new Uri(pipeline.Silo.BaseAddress, "/v1/logs"), OtlpExportProtocol.HttpProtobuf, key, OtlpExporterRun.Records);
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= OtlpExporterRun.Records, TimeSpan.FromSeconds(60));

        OtlpExporterRun.AssertArchived(objects.SelectMany(static o => o.Events).ToList());
    }

    [Fact]
    public async Task Json_EveryShapeTheSpecAllows_ArchivedWithItsFields()
    {
        const string tenant = "otlp-json";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        // lowerCamelCase names; 64-bit integers as strings; enums as names; ids in hex; bytes in base64;
        // a key-value list body and attribute, an array attribute.
        const string camel = """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},{"key":"host.name","value":{"stringValue":"web-1"}},{"key":"pid","value":{"intValue":"4242"}}]},
             "scopeLogs":[{"scope":{"name":"shop.orders","version":"1.2.0"},"logRecords":[
              {"timeUnixNano":"1714564800123456789","observedTimeUnixNano":"1714564801000000000","severityNumber":"SEVERITY_NUMBER_WARN","severityText":"Warning",
               "body":{"stringValue":"order late"},
               "attributes":[{"key":"order.id","value":{"intValue":"9007199254740993"}},{"key":"paid","value":{"boolValue":true}},{"key":"ratio","value":{"doubleValue":0.5}},
                             {"key":"raw","value":{"bytesValue":"AQID"}},{"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"2"}]}}},
                             {"key":"user","value":{"kvlistValue":{"values":[{"key":"name","value":{"stringValue":"ann"}}]}}}],
               "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","flags":1},
              {"body":{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}},"severityNumber":17}]}]}]}
            """;
        // The original field names, integers as numbers, enums as numbers, and a field this gateway does not know.
        const string snake = """
            {"resource_logs":[{"scope_logs":[{"log_records":[{"time_unix_nano":1714564802000000000,"severity_number":9,"body":{"string_value":"snake"},
              "attributes":[{"key":"n","value":{"int_value":7}}],"some_future_field":{"x":1}}]}]}]}
            """;

        using var camelResponse = await PostAsync(key, camel, "application/json");
        // Sent after a UTF-8 byte-order mark, which is skipped as on /v1/events (before: a 400).
        using var snakeResponse = await PostAsync(key, "\uFEFF" + snake, "application/json; charset=utf-8");
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 3, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, camelResponse.StatusCode);
        Assert.Equal("{ }", (await camelResponse.Content.ReadAsStringAsync()).Trim());
        Assert.Equal(HttpStatusCode.OK, snakeResponse.StatusCode);
        var events = objects.SelectMany(static o => o.Events).ToList();
        Assert.All(events, static e => Assert.Equal(SourceFormat.Otlp, e.Format));

        var late = events.Single(static e => e.Body == "order late");
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1714564800123).AddTicks(4567), late.Timestamp);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1714564801), late.ObservedTime);
        Assert.Equal(13, late.SeverityNumber);
        Assert.Equal("Warning", late.SeverityText);
        Assert.Equal("checkout", late.Resource["service.name"]);
        Assert.Equal("web-1", late.Resource["host.name"]);
        Assert.Equal("4242", late.Resource["pid"]);
        Assert.Equal(9007199254740993, late.Attributes["order.id"].IntValue);
        Assert.True(late.Attributes["paid"].IntValue == 1 && late.Attributes["paid"].Kind == AttributeKind.Bool);
        Assert.Equal(0.5, late.Attributes["ratio"].DoubleValue);
        Assert.Equal("AQID", late.Attributes["raw"].Text);
        Assert.Equal("[\"a\",2]", late.Attributes["tags"].Text);
        Assert.Equal("ann", late.Attributes["user.name"].Text);
        Assert.Equal("5b8efff798038103d269b633813fc60c", late.Attributes["trace_id"].Text);
        Assert.Equal("eee19b7ec3c1b174", late.Attributes["span_id"].Text);
        Assert.Equal(1, late.Attributes["trace_flags"].IntValue);
        Assert.Equal("shop.orders", late.Attributes["otel.scope.name"].Text);
        Assert.Equal("1.2.0", late.Attributes["otel.scope.version"].Text);

        var structured = events.Single(static e => e.SeverityNumber == 17);
        Assert.Equal("{\"k\":\"v\"}", structured.Body);
        Assert.Null(structured.Timestamp);

        var snakeEvent = events.Single(static e => e.Body == "snake");
        Assert.Equal(9, snakeEvent.SeverityNumber);
        Assert.Equal(7, snakeEvent.Attributes["n"].IntValue);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1714564802), snakeEvent.Timestamp);
    }

    [Fact]
    public async Task Json_HostileRecords_RejectedAloneNamingTheField_LongIntegersReadExactly()
    {
        const string tenant = "otlp-json-hostile";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        // Record 0: 64-bit integers as JSON numbers beyond a double's 2^53 (before: 9007199254740993 became ...992,
        // int64 max refused the whole request). 1: a trace id of 3 hex digits, 2: a lone surrogate escape, 3: an
        // invalid UTF-8 byte (at @@), 4: bytes that are not base64. Before, each of 1-4 failed the whole request,
        // or (the invalid byte) was stored as U+FFFD. 5: a trace id of 32 characters not hex (it was said to be of the wrong
        // length), 6: a severity name OTLP does not have (it was stored as 0, helper-109), 7: a severity name that is a
        // lone surrogate escape (the first check of names read it unguarded). 8: good.
        const string json = """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeLogs":[{"logRecords":[
             {"body":{"stringValue":"exact"},"timeUnixNano":1714564800123456789,"attributes":[{"key":"big","value":{"intValue":9007199254740993}},{"key":"max","value":{"intValue":9223372036854775807}},{"key":"min","value":{"intValue":-9223372036854775808}}]},
             {"body":{"stringValue":"short id"},"traceId":"abc"},
             {"body":{"stringValue":"lone \ud800 surrogate"}},
             {"body":{"stringValue":"bad byte @@"}},
             {"body":{"bytesValue":"***"}},
             {"body":{"stringValue":"zz id"},"traceId":"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"},
             {"body":{"stringValue":"loud"},"severityNumber":"LOUD"},
             {"body":{"stringValue":"half"},"severityNumber":"\ud800"},
             {"body":{"stringValue":"good"}}]}]}]}
            """;
        var text = Encoding.UTF8.GetBytes(json);
        var at = text.AsSpan().IndexOf("@@"u8);
        byte[] body = [.. text.AsSpan(0, at), 0xFF, .. text.AsSpan(at + 2)];
        byte[] notJson = [.. "{\"resourceLogs\":[{\"scopeLogs\":"u8, 0xFF, .. "]}"u8];

        using var response = await PostAsync(key, body, "application/json");
        var answer = ExportLogsServiceResponse.Parser.ParseJson(await response.Content.ReadAsStringAsync());
        using var unreadable = await PostAsync(key, notJson, "application/json");
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 2, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(7, answer.PartialSuccess.RejectedLogRecords);
        Assert.Contains("record 7: severityNumber: Cannot read incomplete UTF-16 JSON text as string with missing low surrogate", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("record 5: traceId \"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\" is 32 characters, not all of them hex digits; it must be 32 hex digits (16 bytes), or empty", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("record 6: severityNumber \"LOUD\" is not a severity: give a number 0 to 24 or a name such as SEVERITY_NUMBER_INFO", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        var message = answer.PartialSuccess.ErrorMessage;
        Assert.Contains("record 1: traceId \"abc\" is 3 characters; it must be 32 hex digits (16 bytes), or empty", message, StringComparison.Ordinal);
        Assert.Contains("record 2: body.stringValue: Cannot read incomplete UTF-16 JSON text as string with missing low surrogate", message, StringComparison.Ordinal);
        Assert.Contains("record 3: the record is not valid UTF-8: the byte 0xFF at byte offset ", message, StringComparison.Ordinal);
        Assert.Contains("record 4: body.bytesValue: \"***\" is not base64", message, StringComparison.Ordinal);
        var events = objects.SelectMany(static o => o.Events).ToList();
        Assert.Equal(["exact", "good"], events.Select(static e => e.Body).Order(StringComparer.Ordinal));
        var exact = events.Single(static e => e.Body == "exact");
        Assert.Equal(9007199254740993, exact.Attributes["big"].IntValue);
        Assert.Equal(long.MaxValue, exact.Attributes["max"].IntValue);
        Assert.Equal(long.MinValue, exact.Attributes["min"].IntValue);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1714564800123).AddTicks(4567), exact.Timestamp);
        Assert.Equal("svc", exact.Resource["service.name"]);
        Assert.Equal(HttpStatusCode.BadRequest, unreadable.StatusCode);
        Assert.Contains("is not valid UTF-8: the byte 0xFF at byte offset 30", await unreadable.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Protobuf_EventSizeLimitAppliesToTheRecordAsSent_NotToItsSharedResource()
    {
        const string tenant = "otlp-size";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        const int limit = 256 * 1024;
        // A resource of 270,000 bytes, over the 256 KiB event limit, shared by a small record (before: rejected,
        // its envelope carries the resource) and by a record over the limit on its own (rejected, sized as sent).
        var request = OtlpRequests.Of(
            new LogRecord { Body = new AnyValue { StringValue = "small" } },
            new LogRecord { Body = new AnyValue { StringValue = new string('b', limit + 10) } });
        request.ResourceLogs[0].Resource.Attributes.Add(new KeyValue { Key = "big", Value = new AnyValue { StringValue = new string('r', 270_000) } });
        var oversizeSent = request.ResourceLogs[0].ScopeLogs[0].LogRecords[1].CalculateSize();

        using var response = await PostAsync(key, request.ToByteArray(), "application/x-protobuf");
        var answer = ExportLogsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 1, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, answer.PartialSuccess.RejectedLogRecords);
        Assert.Contains($"record 1: the event is {oversizeSent} bytes as sent; the limit for one event is {limit} bytes", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        var small = Assert.Single(objects.SelectMany(static o => o.Events));
        Assert.Equal("small", small.Body);
        Assert.Equal(270_000, small.Resource["big"].Length);
    }

    [Fact]
    public async Task Protobuf_GzipChunked_OneBadRecord_PartialSuccessNamesItAndTheRestIsArchived()
    {
        const string tenant = "otlp-partial";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var request = OtlpRequests.Of(
            new LogRecord { Body = new AnyValue { StringValue = "good" } },
            new LogRecord { Body = new AnyValue { StringValue = "bad id" }, TraceId = ByteString.CopyFrom(1, 2, 3) },
            new LogRecord { Body = new AnyValue { StringValue = "also good" } });

        // gzip, and chunked: a stream of unknown length.
        using var compressed = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            request.WriteTo(gzip);
        }

        using var content = new StreamContent(new NonSeekableStream(compressed.ToArray()));
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await PostAsync(key, content, "application/x-protobuf");
        var answer = ExportLogsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 2, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, answer.PartialSuccess.RejectedLogRecords);
        Assert.Contains("record 1: trace_id is 3 bytes", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(["also good", "good"], objects.SelectMany(static o => o.Events).Select(static e => e.Body).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Errors_OtlpStatusesFor400_401_415AndTheRetryable429()
    {
        const string tenant = "otlp-limited";
        var key = await pipeline.Api.CreateTenantAsync(tenant, new
        {
            displayName = tenant,
            enabled = true,
            limits = new { eventsPerSecond = 2.0, bytesPerSecond = 10_000_000.0, burstSeconds = 1.0 },
        });
        var three = OtlpRequests.Of(
            new LogRecord { Body = new AnyValue { StringValue = "1" } },
            new LogRecord { Body = new AnyValue { StringValue = "2" } },
            new LogRecord { Body = new AnyValue { StringValue = "3" } }).ToByteArray();

        using var garbage = await PostAsync(key, [0xFF, 0xFF, 0xFF], "application/x-protobuf");
        using var badJson = await PostAsync(key, "{\"resourceLogs\":[", "application/json");
        using var noKey = await PostAsync(null, three, "application/x-protobuf");
        using var text = await PostAsync(key, "hello", "text/plain");
        // 2 events/s with 1 s of burst: the first export takes the bucket, the next finds it empty.
        using var first = await PostAsync(key, three, "application/x-protobuf");
        using var limited = await PostAsync(key, three, "application/x-protobuf");
        // The same refusal in JSON: its google.rpc.Status carries RetryInfo in an Any (before: a 500, no body).
        using var limitedJson = await PostAsync(key, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"4\"}}]}]}]}", "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal(3, Status.Parser.ParseFrom(await garbage.Content.ReadAsByteArrayAsync()).Code);
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
        Assert.Contains("\"code\": 3", await badJson.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(int.Parse(limited.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        var status = Status.Parser.ParseFrom(await limited.Content.ReadAsByteArrayAsync());
        Assert.Equal((int)Grpc.Core.StatusCode.ResourceExhausted, status.Code);
        Assert.True(Assert.Single(status.Details).Unpack<RetryInfo>().RetryDelay.ToTimeSpan() >= TimeSpan.FromSeconds(0));
        Assert.Equal(HttpStatusCode.TooManyRequests, limitedJson.StatusCode);
        Assert.NotNull(limitedJson.Headers.RetryAfter);
        Assert.Contains("type.googleapis.com/google.rpc.RetryInfo", await limitedJson.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> PostAsync(string? key, string body, string contentType) => PostAsync(key, Encoding.UTF8.GetBytes(body), contentType);

    private Task<HttpResponseMessage> PostAsync(string? key, byte[] body, string contentType) => PostAsync(key, new ByteArrayContent(body), contentType);

    private async Task<HttpResponseMessage> PostAsync(string? key, HttpContent body, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/logs") { Content = body };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await _http.SendAsync(request);
    }
}
