using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Silo.Observability;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>
/// The silo host built in this process exactly as its program builds it (local mode: embedded emulator,
/// SQLite), with an in-memory span exporter added: one ingest request's trace, started by the client, and no
/// span recorded while neither OTLP nor a sampler is set.
/// </summary>
public sealed class IngestTraceTests
{
    [Fact]
    public async Task Post_WithTraceparent_OneTraceSpansHttpRequestGrainCallAndEventHubsWriteAndProcessingLinksBack()
    {
        using var data = new TempDirectory();
        var spans = new List<Activity>();
        // The host's own exporter comes with the host's own sampler: without OTLP the silo makes no spans (below).
        var (app, baseAddress) = await StartSiloAsync(data, tracing => tracing.SetSampler(new AlwaysOnSampler()).AddInMemoryExporter(spans));
        await using var _ = app;
        var clientTrace = ActivityTraceId.CreateRandom();
        await PostTracedAsync(baseAddress, await CreateTenantAsync(baseAddress, "traced"), clientTrace);

        Activity[] trace = [];
        await Poll.UntilAsync(
            () =>
            {
                trace = Snapshot(spans).Where(span => span.TraceId == clientTrace).ToArray();
                return trace.Any(IsHttpRequest) && trace.Any(IsGrainCall) && trace.Any(IsEventHubsWrite);
            },
            TimeSpan.FromSeconds(30),
            () => $"spans of trace {clientTrace}: " + string.Join(", ", trace.Select(static span => $"{span.Source.Name}/{span.DisplayName}")));

        var request = Assert.Single(trace, IsHttpRequest);
        Assert.Equal("POST /v1/events", request.DisplayName);
        var grainCall = trace.First(IsGrainCall);
        var write = trace.First(IsEventHubsWrite);
        // One tree under the request: the grain call below it, the write below the grain call.
        Assert.True(IsBelow(grainCall, request, trace), $"{grainCall.DisplayName} is not under the request");
        Assert.True(IsBelow(write, grainCall, trace), $"{write.DisplayName} is not under {grainCall.DisplayName}");

        // The processor takes the batch later, in a trace of its own delivery, and links back to the request.
        Activity? processed = null;
        await Poll.UntilAsync(
            () => (processed = Snapshot(spans).FirstOrDefault(span => span.Source.Name == ProcessingActivities.SourceName && span.Links.Any(link => link.Context.TraceId == clientTrace))) is not null,
            TimeSpan.FromSeconds(30),
            () => "no processor span linked to the request: " + string.Join(", ", Snapshot(spans).Where(static span => span.Source.Name == ProcessingActivities.SourceName).Select(static span => span.DisplayName)));
        Assert.Equal(2, processed!.GetTagItem("eventpipeline.events"));
        await app.StopAsync();
    }

    [Fact]
    public async Task Post_WithoutOtlpOrASampler_RecordsNoSpanAndTheBatchIsArchived()
    {
        using var data = new TempDirectory();
        var spans = new List<Activity>();
        // An exporter of the host's own but no sampler, no OTLP endpoint and no OTEL_TRACES_SAMPLER: the silo's default
        // sampler records no span at all, also for a request whose client traces it.
        var (app, baseAddress) = await StartSiloAsync(data, tracing => tracing.AddInMemoryExporter(spans));
        await using var _ = app;
        await PostTracedAsync(baseAddress, await CreateTenantAsync(baseAddress, "untraced"), ActivityTraceId.CreateRandom());

        // The whole path ran: the events are archived, after the request, the grain call, the write and the delivery.
        await ArchiveFiles.WaitForAsync(Path.Combine(data.Path, "archive"), "untraced", static events => events.Count == 2, TimeSpan.FromSeconds(60));
        Assert.Empty(Snapshot(spans));
        await app.StopAsync();
    }

    private static async Task<(WebApplication App, Uri BaseAddress)> StartSiloAsync(TempDirectory data, Action<TracerProviderBuilder> tracing)
    {
        var ports = FreeTcpPorts.Pick(5);
        var baseAddress = new Uri($"http://127.0.0.1:{ports[0]}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args =
            [
                $"--Urls={baseAddress}",
                $"--Pipeline:DataDirectory={data.Path}",
                $"--Pipeline:SiloPort={ports[1]}",
                $"--Pipeline:GatewayPort={ports[2]}",
                $"--Pipeline:Local:EventHubsPort={ports[3]}",
                $"--Pipeline:Shippers:OtlpGrpcPort={ports[4]}",
                $"--Pipeline:AdminApiKey={SiloProcess.AdminKey}",
                // Whatever the machine's environment says: no OTLP endpoint and no sampler but the test's own.
                $"--{PipelineTelemetryExtensions.OtlpEndpointVariable}=",
                $"--{PipelineTelemetryExtensions.SamplerVariable}=",
            ],
        });
        builder.AddPipelineSilo();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing);
        var app = builder.Build();
        app.MapPipeline();
        await app.StartAsync();
        await WaitForReadyAsync(baseAddress);
        return (app, baseAddress);
    }

    private static async Task<string> CreateTenantAsync(Uri baseAddress, string tenant)
    {
        using var api = new PipelineApi(baseAddress);
        return await api.CreateTenantAsync(tenant);
    }

    /// <summary>Posts two events with the client's <c>traceparent</c> (sampled) and expects them ACKed.</summary>
    private static async Task PostTracedAsync(Uri baseAddress, string key, ActivityTraceId clientTrace)
    {
        // No propagator of the test's own: the header is the client's, as an instrumented shipper would send it.
        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = baseAddress };
        using var post = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"user\":\"ana\"}\n{\"user\":\"bo\"}")) };
        post.Content.Headers.ContentType = new("application/x-ndjson");
        post.Headers.Authorization = new("Bearer", key);
        post.Headers.Add("traceparent", $"00-{clientTrace}-{ActivitySpanId.CreateRandom()}-01");
        using var answer = await http.SendAsync(post);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    private static bool IsHttpRequest(Activity span) => span.Kind == ActivityKind.Server && span.Source.Name == "Microsoft.AspNetCore";

    private static bool IsGrainCall(Activity span) => span.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && span.DisplayName.Contains("IngestGrain", StringComparison.Ordinal);

    private static bool IsEventHubsWrite(Activity span) => span.Source.Name.StartsWith("Azure.Messaging.EventHubs", StringComparison.Ordinal) && span.DisplayName.Contains("Send", StringComparison.Ordinal);

    private static bool IsBelow(Activity span, Activity ancestor, Activity[] trace)
    {
        var byId = trace.ToDictionary(static s => s.SpanId);
        for (var parent = span.ParentSpanId; byId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
        {
            if (next.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    // The exporter adds from the threads that end spans; a copy taken while it adds is simply taken again.
    private static Activity[] Snapshot(List<Activity> spans)
    {
        while (true)
        {
            try
            {
                return spans.ToArray();
            }
            catch (ArgumentException)
            {
            }
        }
    }

    private static async Task WaitForReadyAsync(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        var ready = false;
        await Poll.UntilAsync(
            () =>
            {
                try
                {
                    using var response = http.GetAsync(new Uri("/readyz", UriKind.Relative)).GetAwaiter().GetResult();
                    ready = response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    ready = false;
                }

                return ready;
            },
            TimeSpan.FromSeconds(90),
            () => "/readyz never answered 200");
    }
}
