using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Warmup;

/// <summary>
/// Where a gateway silo warms itself up before it reports ready. A fresh silo's first clients used to pay for its cold
/// start (the first second's ACK p99 495-569 ms at 50,000 events/s, against 10-30 ms from the fifth; new tenants on a
/// warm silo were flat from their first second): the optimizing compile of every hot method, send links opening, the
/// thread pool and the heap growing. So once the silo listens, this posts events of its own tenant
/// (<see cref="TenantId.Warmup"/>) to its own <c>/v1/events</c> over loopback, through the real path: requests of
/// <see cref="EventsPerRequest"/>, a quarter of them with an Idempotency-Key, at <see cref="WarmupOptions.EventsPerSecond"/>,
/// and, if asked, requests of a batching shipper's size on a connection of their own at
/// <see cref="WarmupOptions.LargeRequestsPerSecond"/>, until the JIT has been nearly idle for <see cref="JitWindow"/>
/// (after at least <see cref="Shortest"/>) or <see cref="WarmupOptions.Longest"/> has passed. <c>/readyz</c> answers
/// 503 until then. An answer the warm-up cannot wait out (anything but 200, 429 and 503) stops
/// it early; the silo reports ready either way, since the warm-up only saves its clients time.
/// </summary>
public sealed partial class StartupWarmup(
    IGrainFactory grains,
    IServer server,
    IHostApplicationLifetime lifetime,
    HubPartitions partitions,
    IOptions<WarmupOptions> options,
    IOptions<PipelineOptions> pipeline,
    IOptions<Gateway.GatewayOptions> gateway,
    TimeProvider time,
    ILogger<StartupWarmup> logger) : BackgroundService
{
    /// <summary>
    /// Events per request: 10, so the per-request path (Kestrel, the key, the grain call, the send) is called 10 times
    /// per 100 events written, and the call counts that make the runtime compile a method optimized come with little data.
    /// </summary>
    public const int EventsPerRequest = 10;

    /// <summary>Small requests in flight at once: 4, so the gateway's, the grains' and the emulator's concurrent paths run too.</summary>
    public const int Connections = 4;

    /// <summary>
    /// Events in a large request (<see cref="WarmupOptions.LargeRequestsPerSecond"/>): 1,000, as a batching shipper sends,
    /// fewer if <see cref="Gateway.GatewayOptions.MaxBodyBytes"/> is lower.
    /// </summary>
    public const int LargeRequestEvents = 1_000;

    /// <summary>Bytes of a large request's event: about 500, a typical log or security event; fewer if <see cref="Gateway.GatewayOptions.MaxEventBytes"/> is lower.</summary>
    public const int LargeEventBytes = 500;

    /// <summary>At least 2 s: the runtime counts 30 calls of a method and waits 100 ms after the last new one before it compiles it again, optimized.</summary>
    public static readonly TimeSpan Shortest = TimeSpan.FromSeconds(2);

    /// <summary>Done when the JIT compiled under <see cref="JitActivity.QuietShare"/> of one core over the last second.</summary>
    public static readonly TimeSpan JitWindow = TimeSpan.FromSeconds(1);

    // A reading of the JIT every quarter of its window: the warm-up ends at most that late after the JIT went quiet.
    private static readonly TimeSpan CheckEvery = JitWindow / 4;

    // After a 429 or 503 (no processor yet, the hub not writable yet): a tenth of a second, not the answer's Retry-After
    // (whole seconds), which would leave most of a short warm-up unused.
    private static readonly TimeSpan BusyPause = TimeSpan.FromMilliseconds(100);

    private volatile WarmupReport _report = WarmupReport.Waiting;
    private IssuedApiKey? _key;
    private long _requests;
    private long _largeRequests;
    private long _events;

    public WarmupReport Report => _report;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            _report = WarmupReport.Off;
            return;
        }

        try
        {
            await WhenListeningAsync(stoppingToken);
            _report = new WarmupReport(false, "warming up");
            var started = time.GetTimestamp();
            var jitBefore = JitActivity.ProcessCompilationTime();
            var ending = await RunAsync(stoppingToken);
            var done = string.Create(CultureInfo.InvariantCulture, $"{Acknowledged()} in {time.GetElapsedTime(started).TotalSeconds:N1} s, {(JitActivity.ProcessCompilationTime() - jitBefore).TotalMilliseconds:N0} ms of JIT meanwhile; {ending}");
            _report = new WarmupReport(true, done);
            LogWarmedUp(logger, done);
        }
        catch (Exception exception) when (stoppingToken.IsCancellationRequested || (lifetime.ApplicationStopping.IsCancellationRequested && exception is HttpRequestException or OperationCanceledException))
        {
            // The silo is stopping before it was ready (Kestrel stops before this service, so a request may fail first):
            // not a failure; its key is left to be retired by a later warm-up (WarmupTenant.KeysRetiredAfter).
            return;
        }
        catch (Exception exception)
        {
            // Never a reason not to serve: the clients' first requests pay the cold start, as without a warm-up.
            _report = new WarmupReport(true, $"stopped early after {Acknowledged()}: {exception.GetType().Name}: {exception.Message}");
            LogWarmupFailed(logger, exception);
        }

        await RevokeKeyAsync(stoppingToken);
    }

    /// <summary>What the gateway acknowledged so far: requests, the large ones among them, events.</summary>
    private string Acknowledged() => string.Create(CultureInfo.InvariantCulture, $"{Interlocked.Read(ref _requests):N0} requests ({Interlocked.Read(ref _largeRequests):N0} of them large), {Interlocked.Read(ref _events):N0} events of tenant {TenantId.Warmup}");

    /// <summary>
    /// After the silo reports ready, so a tenant grain slow to answer does not hold readiness back; also after a warm-up
    /// that failed. A key left active (the silo stopped first, or the key was issued after its call timed out) is revoked
    /// by the <see cref="WarmupTenant.PrepareAsync"/> of a warm-up started <see cref="WarmupTenant.KeysRetiredAfter"/> after
    /// its issue or later; nothing but this process ever held its secret.
    /// </summary>
    private async Task RevokeKeyAsync(CancellationToken stoppingToken)
    {
        if (_key is not { } key)
        {
            return;
        }

        try
        {
            await WarmupTenant.RevokeAsync(grains, key.KeyId).WaitAsync(options.Value.Longest, time, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: a later warm-up retires it (WarmupTenant.KeysRetiredAfter).
        }
        catch (Exception exception)
        {
            LogKeyNotRevoked(logger, key.KeyId, WarmupTenant.KeysRetiredAfter, exception);
        }
    }

    private async Task WhenListeningAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), started);
        await started.Task.WaitAsync(stoppingToken);
    }

    /// <summary>Runs the warm-up within <see cref="WarmupOptions.Longest"/>; returns why it ended.</summary>
    private async Task<string> RunAsync(CancellationToken stoppingToken)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (SelfAddress.From(addresses, pipeline.Value.Shippers.OtlpGrpcPort) is not { } self)
        {
            return $"skipped: the silo listens on no plain-HTTP address ({string.Join(", ", addresses)})";
        }

        // Everything within Longest, requests in flight included: the silo reports ready no later.
        using var bound = new CancellationTokenSource(options.Value.Longest, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, bound.Token);
        var shards = WarmupTenant.ShardsCoveringEveryPartition(partitions);
        // Without a silo that hosts the tenant grains (a gateway started before its processors) this call waits for
        // placement to fail or the call to time out: bounded like the rest.
        try
        {
            _key = await WarmupTenant.PrepareAsync(grains, shards, WarmupTenant.KeysRetiredAfter).WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            return string.Create(CultureInfo.InvariantCulture, $"stopped early: the tenant grains did not answer within {nameof(WarmupOptions.Longest)} ({options.Value.Longest:c}); no silo that hosts them yet?");
        }

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Connections + 1, UseProxy = false };
        using var http = new HttpClient(handler) { BaseAddress = self, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _key.Secret);
        // Ends the senders' pacing, not their requests: a request in flight is answered and counted (until the
        // deadline), so the report holds every event the gateway acknowledged.
        using var done = new CancellationTokenSource();
        var now = time.GetUtcNow();
        var limits = gateway.Value;
        var (json, text) = WarmupBodies.Create(EventsPerRequest, now, limits.MaxEventBytes, limits.MaxBodyBytes);
        if (text.Length == 0)
        {
            // Not under the limits the gateway validates (its plain text lines fit them); an empty body would be a 400.
            return string.Create(CultureInfo.InvariantCulture, $"skipped: no warm-up line fits the gateway's MaxEventBytes ({limits.MaxEventBytes}) and MaxBodyBytes ({limits.MaxBodyBytes})");
        }

        var small = TimeSpan.FromSeconds((double)Connections * EventsPerRequest / options.Value.EventsPerSecond);
        // JSON and text in turn (text only when no JSON line fits the limits), a quarter keyed (two of every eight, one
        // of each kind when both are sent); each sender starts at its own place in that cycle.
        var senders = Enumerable.Range(0, Connections)
            .Select(sender => SendAsync(http, request => (request + sender) % 2 == 0 && json.Length > 0 ? (json, WarmupBodies.JsonContentType) : (text, WarmupBodies.TextContentType), small, keyed: request => (request + sender) % 8 is 3 or 6, large: false, done.Token, deadline.Token))
            .ToList();
        if (options.Value.LargeRequestsPerSecond > 0)
        {
            var large = WarmupBodies.CreateLarge(LargeRequestEvents, Math.Min(LargeEventBytes, limits.MaxEventBytes), limits.MaxBodyBytes);
            senders.Add(SendAsync(http, _ => (large, WarmupBodies.JsonContentType), TimeSpan.FromSeconds(1.0 / options.Value.LargeRequestsPerSecond), keyed: static _ => false, large: true, done.Token, deadline.Token));
        }

        try
        {
            var ending = await WatchAsync([.. senders], deadline.Token);
            return ending + string.Create(CultureInfo.InvariantCulture, $" ({shards} shard(s) of {TenantId.Warmup}, to {self})");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            return string.Create(CultureInfo.InvariantCulture, $"stopped at {nameof(WarmupOptions.Longest)} ({options.Value.Longest:c}), the JIT still compiling");
        }
        finally
        {
            await done.CancelAsync();
            await Task.WhenAll(senders.Select(static s => s.ContinueWith(static _ => { }, TaskScheduler.Default)));
        }
    }

    /// <summary>Ends the warm-up when the JIT is quiet or a sender stopped; the deadline cancels it.</summary>
    private async Task<string> WatchAsync(Task<string>[] senders, CancellationToken deadline)
    {
        var started = time.GetTimestamp();
        var jit = new JitActivity(JitWindow);
        jit.Add(time.GetUtcNow(), JitActivity.ProcessCompilationTime());
        while (true)
        {
            await Task.Delay(CheckEvery, time, deadline);
            if (senders.FirstOrDefault(static s => s.IsCompleted) is { } stopped)
            {
                return await stopped;
            }

            jit.Add(time.GetUtcNow(), JitActivity.ProcessCompilationTime());
            if (time.GetElapsedTime(started) >= Shortest && jit.IsQuiet)
            {
                return jit.Describe();
            }
        }
    }

    /// <summary>
    /// One connection's requests, <paramref name="bodyOf"/> the n-th one's body, one
    /// every <paramref name="interval"/>, until <paramref name="done"/>; returns why it stopped before that.
    /// </summary>
    private async Task<string> SendAsync(HttpClient http, Func<int, (byte[] Body, string ContentType)> bodyOf, TimeSpan interval, Func<int, bool> keyed, bool large, CancellationToken done, CancellationToken deadline)
    {
        var next = time.GetTimestamp();
        for (var request = 0; !done.IsCancellationRequested; request++)
        {
            var (body, contentType) = bodyOf(request);
            using var message = new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = new ByteArrayContent(body) };
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            if (keyed(request))
            {
                message.Headers.Add("Idempotency-Key", string.Create(CultureInfo.InvariantCulture, $"warmup-{Guid.NewGuid():N}"));
            }

            using var response = await http.SendAsync(message, deadline);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    // What the gateway stored, from its answer (the bodies leave out the lines it would refuse, so all of
                    // them unless it refused one for another reason). The body is read already: parsed whatever the
                    // deadline, so an acknowledged request is counted.
                    var stored = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    if (Accepted(stored) is not { } accepted)
                    {
                        return $"stopped early: /v1/events answered 200 without an accepted count: {Excerpt(stored)}";
                    }

                    Interlocked.Increment(ref _requests);
                    Interlocked.Add(ref _events, accepted);
                    if (large)
                    {
                        Interlocked.Increment(ref _largeRequests);
                    }

                    break;
                case HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable:
                    await PauseAsync(BusyPause, done);
                    break;
                default:
                    return $"stopped early: /v1/events answered {(int)response.StatusCode}: {Excerpt(await response.Content.ReadAsStringAsync(deadline))}";
            }

            // Paced, without catching up: a slow answer makes the next request later, not a burst.
            next = Math.Max(next + (long)(interval.TotalSeconds * time.TimestampFrequency), time.GetTimestamp());
            var wait = time.GetElapsedTime(time.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                await PauseAsync(wait, done);
            }
        }

        return "done";
    }

    /// <summary>The 200 answer's <c>accepted</c>, the events of the request the gateway stored; null if it has none.</summary>
    private static int? Accepted(string answer)
    {
        try
        {
            using var parsed = JsonDocument.Parse(answer);
            return parsed.RootElement.ValueKind == JsonValueKind.Object && parsed.RootElement.TryGetProperty("accepted", out var accepted) && accepted.TryGetInt32(out var count) ? count : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An answer as the report quotes it: its first 300 characters.</summary>
    private static string Excerpt(string answer) => answer.Length > 300 ? answer[..300] : answer;

    private async Task PauseAsync(TimeSpan pause, CancellationToken done)
    {
        try
        {
            await Task.Delay(pause, time, done);
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
            // The warm-up ended during the pause: the loop ends.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Warmed up before reporting ready: {Description}")]
    private static partial void LogWarmedUp(ILogger logger, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The start-up warm-up failed; the silo reports ready without it")]
    private static partial void LogWarmupFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The start-up warm-up's key {KeyId} could not be revoked; a warm-up started {RetiredAfter} after its issue or later revokes it")]
    private static partial void LogKeyNotRevoked(ILogger logger, string keyId, TimeSpan retiredAfter, Exception exception);
}
