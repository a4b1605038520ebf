using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;
using Orleans.EventPipeline.Tests.Processing;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>
/// What a shipper request builds is bounded, not what it sends: each envelope repeats what the protocol shares between
/// events (an OTLP resource, HEC's query metadata) and spells out an attribute's flattened names. Before, a small
/// request built gigabytes: a 500 with an OutOfMemoryException, or hundreds of megabytes stored.
/// </summary>
[Collection(ProcessingSiloGroup.Name)]
public sealed class ShipperAmplificationTests(ProcessingPipelineFixture pipeline) : IDisposable
{
    /// <summary>Pipeline:Gateway:MaxDecompressedBytes of the fixture: what one request may build.</summary>
    private const int BuiltLimit = 32 * 1024 * 1024;

    /// <summary>The most one stored event may take (FramedEvents.MaxStoredEventBytes).</summary>
    private const int StoredEventLimit = 990_000;

    private readonly HttpClient _http = new() { BaseAddress = pipeline.Silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    private readonly HecClient _hec = new(pipeline.Silo.BaseAddress);
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(pipeline.Silo.OtlpGrpcAddress);

    public void Dispose()
    {
        _http.Dispose();
        _hec.Dispose();
        _channel.Dispose();
    }

    [Fact]
    public async Task OtlpHttp_ResourceRepeatedPastTheLimit_413NamingIt_ThenTheNextExportIsStored()
    {
        const string tenant = "amp-otlp-http";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        // A 200 KB resource on 1,700 records: a request of ~210 KB that would build 340 MB, ten times the limit.
        var amplified = ResourceRepeated(200_000, 1_700);

        using var refused = await PostOtlpAsync(key, amplified);
        var status = Silo.Gateway.Otlp.Proto.Status.Parser.ParseFrom(await refused.Content.ReadAsByteArrayAsync());
        using var next = await PostOtlpAsync(key, ResourceRepeated(200_000, 2));
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 2, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal((int)StatusCode.ResourceExhausted, status.Code);
        Assert.Contains($"more than {BuiltLimit} bytes as stored (Pipeline:Gateway:MaxDecompressedBytes", status.Message, StringComparison.Ordinal);
        Assert.Empty(status.Details);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        var events = objects.SelectMany(static o => o.Events).ToList();
        Assert.Equal(["record 0", "record 1"], events.Select(static e => e.Body).Order(StringComparer.Ordinal));
        Assert.All(events, static e => Assert.Equal(200_000, e.Resource["big"].Length));
    }

    [Fact]
    public async Task OtlpGrpc_ResourceRepeatedPastTheLimit_ResourceExhaustedNamingIt_ThenTheNextExportIsStored()
    {
        const string tenant = "amp-otlp-grpc";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var client = new LogsService.LogsServiceClient(_channel);
        var bearer = new Grpc.Core.Metadata { { "authorization", "Bearer " + key } };

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(ResourceRepeated(200_000, 1_700), bearer));
        var next = await client.ExportAsync(ResourceRepeated(200_000, 1), bearer);
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 1, TimeSpan.FromSeconds(60));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains($"more than {BuiltLimit} bytes as stored (Pipeline:Gateway:MaxDecompressedBytes", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, next.PartialSuccess?.RejectedLogRecords ?? 0);
        Assert.Equal("record 0", Assert.Single(objects.SelectMany(static o => o.Events)).Body);
    }

    [Fact]
    public async Task HecRaw_QueryMetadataRepeatedPastTheLimit_413InHecShape_ThenTheNextRequestIsStored()
    {
        const string tenant = "amp-hec-raw";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        // host= of 7,800 chars (the request line stays under Kestrel's 8 KiB) on 43,000 lines "a": a body of 86 KB
        // that would build 337 MB, ten times the limit.
        var path = "/services/collector/raw?host=" + new string('h', 7_800);
        var lines = string.Concat(Enumerable.Repeat("a\n", 43_000));

        using var refused = await _hec.PostAsync(path, HecClient.Splunk(key), lines, "text/plain");
        var (status, code, answer) = await HecClient.AnswerAsync(refused);
        using var next = await _hec.PostAsync(path, HecClient.Splunk(key), "first\nsecond\n", "text/plain");
        var (nextStatus, nextCode, _) = await HecClient.AnswerAsync(next);
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 2, TimeSpan.FromSeconds(60));

        Assert.Equal((413, 6), (status, code));
        Assert.Contains($"more than {BuiltLimit} bytes as stored (Pipeline:Gateway:MaxDecompressedBytes", answer.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((200, 0), (nextStatus, nextCode));
        var events = objects.SelectMany(static o => o.Events).ToList();
        Assert.Equal(["first", "second"], events.Select(static e => e.Body).Order(StringComparer.Ordinal));
        Assert.All(events, static e => Assert.Equal(7_800, e.Resource["host.name"].Length));
    }

    /// <summary>
    /// A key of 100,000 chars over a key-value list of 300 entries: 104 KB as sent, within the 256 KiB event limit, but
    /// 300 flattened names of 100 KB each, 30 MB as stored. Before, the envelope was built whole and then rejected for
    /// its size (the review's 12,000 entries of a 200,000-char key: 30 s of CPU and 5.2 GB). Now building stops at
    /// the stored event cap, the record is rejected alone naming it, and the records beside it are stored.
    /// </summary>
    [Fact]
    public async Task OtlpHttp_FlattenedNamesPastTheStoredEventCap_RecordRejectedAloneWhileBuilding_SiblingsStored()
    {
        const string tenant = "amp-otlp-names";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var list = new KeyValueList();
        for (var i = 0; i < 300; i++)
        {
            list.Values.Add(new KeyValue { Key = "b" + i, Value = new AnyValue { StringValue = "x" } });
        }

        var wide = new LogRecord { Body = new AnyValue { StringValue = "wide" } };
        wide.Attributes.Add(new KeyValue { Key = new string('K', 100_000), Value = new AnyValue { KvlistValue = list } });
        var request = OtlpRequests.Of(
            new LogRecord { Body = new AnyValue { StringValue = "before" } },
            wide,
            new LogRecord { Body = new AnyValue { StringValue = "after" } });
        var sent = wide.CalculateSize();
        Assert.True(sent < 256 * 1024);

        using var response = await PostOtlpAsync(key, request);
        var answer = ExportLogsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 2, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, answer.PartialSuccess.RejectedLogRecords);
        Assert.Contains(
            $"record 1: the event is {sent} bytes as sent, but more than {StoredEventLimit} bytes as stored with what its protocol shares between events (such as an OTLP resource) and its attributes' flattened names; one stored event can be at most {StoredEventLimit} bytes, and building it stopped there",
            answer.PartialSuccess.ErrorMessage,
            StringComparison.Ordinal);
        Assert.Equal(["after", "before"], objects.SelectMany(static o => o.Events).Select(static e => e.Body).Order(StringComparer.Ordinal));
    }

    // A scope attribute whose JSON text is just over one envelope's cap was built again, and thrown away, for each of the
    // scope's records: 2,000 empty records (2 bytes each on the wire) took 43 s of the silo's CPU and were answered 200,
    // every one rejected (helper-113). What is built and thrown away counts toward the request's bound.
    [Fact]
    public async Task OtlpHttp_ScopeArrayJustOverAnEnvelopesCap_OverManyRecords_413NamingTheBound()
    {
        const string tenant = "amp-otlp-scope";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        // 150,000 strings of 4 characters: about 1,050,000 bytes as JSON text, over the 990,000 of one envelope.
        var array = new ArrayValue();
        array.Values.AddRange(Enumerable.Range(0, 150_000).Select(static _ => new AnyValue { StringValue = "aaaa" }));
        var request = OtlpRequests.Of([.. Enumerable.Range(0, 300).Select(static _ => new LogRecord())]);
        request.ResourceLogs[0].ScopeLogs[0].Scope = new InstrumentationScope { Name = "s" };
        request.ResourceLogs[0].ScopeLogs[0].Scope.Attributes.Add(new KeyValue { Key = "big", Value = new AnyValue { ArrayValue = array } });

        using var refused = await PostOtlpAsync(key, request);
        var status = Silo.Gateway.Otlp.Proto.Status.Parser.ParseFrom(await refused.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains($"more than {BuiltLimit} bytes as stored (Pipeline:Gateway:MaxDecompressedBytes", status.Message, StringComparison.Ordinal);
    }

    // 1,000,000 empty records are a 2 MB request that grew the silo by 435 MB; 32 MiB of them (a gzip body of about
    // 100 KB) would take gigabytes (helper-109). Each record is charged to the request's memory before it is parsed.
    [Theory]
    [InlineData("application/x-protobuf")]
    [InlineData("application/json")]
    public async Task OtlpHttp_MoreEmptyRecordsThanTheMemoryBudgetHolds_413NamingIt_ThenTheNextExportIsStored(string contentType)
    {
        var tenant = "amp-otlp-records-" + (contentType.EndsWith("json", StringComparison.Ordinal) ? "json" : "proto");
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var body = contentType.EndsWith("json", StringComparison.Ordinal) ? OtlpRequests.EmptyRecordsJson(1_100_000) : OtlpRequests.EmptyRecordsMessage(1_100_000);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/logs") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var refused = await _http.SendAsync(request);
        var text = await refused.Content.ReadAsStringAsync();
        using var next = await PostOtlpAsync(key, ResourceRepeated(10, 1));
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 1, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains("The export holds 1100000 log records, which take about 281600000 bytes once parsed (256 a record), more than all requests in flight may hold (Pipeline:Gateway:MaxInFlightBytes, 268435456 bytes, so at most 1048576 records an export)", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(["record 0"], objects.SelectMany(static o => o.Events).Select(static e => e.Body));
    }

    /// <summary>One resource of an attribute <c>big</c> of <paramref name="resourceChars"/> chars over <paramref name="records"/> small records.</summary>
    private static ExportLogsServiceRequest ResourceRepeated(int resourceChars, int records)
    {
        var request = OtlpRequests.Of([.. Enumerable.Range(0, records).Select(static i => new LogRecord { Body = new AnyValue { StringValue = $"record {i}" } })]);
        request.ResourceLogs[0].Resource.Attributes.Add(new KeyValue { Key = "big", Value = new AnyValue { StringValue = new string('r', resourceChars) } });
        return request;
    }

    private async Task<HttpResponseMessage> PostOtlpAsync(string key, ExportLogsServiceRequest export)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/logs") { Content = new ByteArrayContent(export.ToByteArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await _http.SendAsync(request);
    }
}
