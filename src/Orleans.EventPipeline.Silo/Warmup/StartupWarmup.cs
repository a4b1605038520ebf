using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Warmup;

/// <summary>
/// Where a gateway silo warms itself up before it reports ready. A fresh silo's first clients used to pay for its cold
/// start (its first second's ACK p99 209-560 ms at 50,000 events/s against 10-30 ms from the fourth; new tenants on a
/// warm silo were flat from their first second): the optimizing compile of every hot method, send links opening, the
/// thread pool and the heap growing. So once the silo listens, this posts events of its own tenant
/// (<see cref="TenantId.Warmup"/>) to its own <c>/v1/events</c> over loopback, through the real path, half of them with
/// an Idempotency-Key, at <see cref="WarmupOptions.EventsPerSecond"/>, until the JIT has been nearly idle for
/// <see cref="JitWindow"/> (after at least <see cref="Shortest"/>) or <see cref="WarmupOptions.Longest"/> has passed.
/// <c>/readyz</c> answers 503 until then. An answer the warm-up cannot wait out (anything but 200, 429 and 503) stops
/// it early; the silo reports ready either way, since the warm-up only saves its clients time.
/// </summary>
public sealed partial class StartupWarmup(
    IGrainFactory grains,
    IServer server,
    IHostApplicationLifetime lifetime,
    IServiceProvider services,
    IOptions<WarmupOptions> options,
    IOptions<PipelineOptions> pipeline,
    TimeProvider time,
    ILogger<StartupWarmup> logger) : BackgroundService
{
    /// <summary>Events per request: 100, a shipper's usual batch.</summary>
    public const int EventsPerRequest = 100;

    /// <summary>Requests in flight at once: 4, so the gateway's, the grains' and the emulator's concurrent paths run too.</summary>
    public const int Connections = 4;

    /// <summary>At least 2 s: the runtime counts 30 calls of a method and waits 100 ms after the last new one before it compiles it again, optimized.</summary>
    public static readonly TimeSpan Shortest = TimeSpan.FromSeconds(2);

    /// <summary>Done when the JIT compiled under <see cref="ColdStartThreadFloor.QuietShare"/> of one core over the last second.</summary>
    public static readonly TimeSpan JitWindow = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan BusyPause = TimeSpan.FromMilliseconds(100);

    private volatile WarmupReport _report = WarmupReport.Waiting;
    private long _requests;
    private long _events;

    public WarmupReport Report => _report;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            _report = WarmupReport.Off;
            return;
        }

        IssuedApiKey? key = null;
        try
        {
            await WhenListeningAsync(stoppingToken);
            _report = new WarmupReport(false, "warming up");
            var started = time.GetTimestamp();
            var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
            string ending;
            (ending, key) = await RunAsync(stoppingToken);
            var elapsed = time.GetElapsedTime(started);
            var jit = System.Runtime.JitInfo.GetCompilationTime() - jitBefore;
            var done = string.Create(CultureInfo.InvariantCulture, $"{Interlocked.Read(ref _requests):N0} requests, {Interlocked.Read(ref _events):N0} events of tenant {TenantId.Warmup} in {elapsed.TotalSeconds:N1} s, {jit.TotalMilliseconds:N0} ms of JIT meanwhile; {ending}");
            _report = new WarmupReport(true, done);
            LogWarmedUp(logger, done);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo is stopping before it was ready.
            return;
        }
        catch (Exception exception)
        {
            // Never a reason not to serve: the clients' first requests pay the cold start, as without a warm-up.
            _report = new WarmupReport(true, $"stopped early: {exception.GetType().Name}: {exception.Message}");
            LogWarmupFailed(logger, exception);
        }

        if (key is not null)
        {
            await RevokeAsync(key, stoppingToken);
        }
    }

    /// <summary>
    /// After the silo reports ready, so a tenant grain slow to answer does not hold readiness back. A key left active
    /// (the silo stopped first) is revoked by the next warm-up's <see cref="WarmupTenant.PrepareAsync"/>; nothing but
    /// this process ever held its secret.
    /// </summary>
    private async Task RevokeAsync(IssuedApiKey key, CancellationToken stoppingToken)
    {
        try
        {
            await WarmupTenant.RevokeAsync(grains, key.KeyId).WaitAsync(options.Value.Longest, time, stoppingToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogKeyNotRevoked(logger, key.KeyId, exception);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the next start's warm-up revokes it.
        }
    }

    private async Task WhenListeningAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), started);
        await started.Task.WaitAsync(stoppingToken);
    }

    /// <summary>Runs the warm-up; returns why it ended, and the key to revoke (null when it never got one).</summary>
    private async Task<(string Ending, IssuedApiKey? Key)> RunAsync(CancellationToken stoppingToken)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (SelfAddress.From(addresses, pipeline.Value.Shippers.OtlpGrpcPort) is not { } self)
        {
            return ($"skipped: the silo listens on no plain-HTTP address ({string.Join(", ", addresses)})", null);
        }

        var started = time.GetTimestamp();
        var shards = WarmupTenant.ShardsCoveringEveryPartition(services.GetService<HubPartitions>());
        // Bounded like the rest: without a silo that hosts the tenant grains (a gateway started before its processors)
        // this call waits for placement or the grain call's timeout.
        var key = await WarmupTenant.PrepareAsync(grains, shards).WaitAsync(options.Value.Longest, time, stoppingToken);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Connections, UseProxy = false };
        using var http = new HttpClient(handler) { BaseAddress = self, Timeout = options.Value.Longest };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
        // Ends the senders' pacing, not their requests: a request in flight is answered and counted, so the report
        // holds every event the gateway acknowledged.
        using var done = new CancellationTokenSource();
        var bodies = WarmupBodies.Create(EventsPerRequest, time.GetUtcNow());
        var senders = Enumerable.Range(0, Connections).Select(sender => SendAsync(http, bodies, sender, done.Token, stoppingToken)).ToArray();
        try
        {
            var ending = await WatchAsync(senders, options.Value.Longest - time.GetElapsedTime(started), stoppingToken);
            return (ending + string.Create(CultureInfo.InvariantCulture, $" ({shards} shard(s) of {TenantId.Warmup} over the hub's partitions, to {self})"), key);
        }
        finally
        {
            await done.CancelAsync();
            await Task.WhenAll(senders.Select(static s => s.ContinueWith(static _ => { }, TaskScheduler.Default)));
        }
    }

    /// <summary>Ends the warm-up when the JIT is quiet, at <see cref="WarmupOptions.Longest"/>, or when a sender stopped.</summary>
    private async Task<string> WatchAsync(Task<string>[] senders, TimeSpan longest, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var samples = new Queue<(TimeSpan At, TimeSpan Jit)>();
        var quietBelow = JitWindow * ColdStartThreadFloor.QuietShare;
        while (true)
        {
            await Task.Delay(CheckEvery, time, cancellationToken);
            if (senders.FirstOrDefault(static s => s.IsCompleted) is { } stopped)
            {
                return await stopped;
            }

            var elapsed = time.GetElapsedTime(started);
            var jit = System.Runtime.JitInfo.GetCompilationTime();
            samples.Enqueue((elapsed, jit));
            // The oldest sample kept is the latest one at least JitWindow old.
            while (samples.Count > 1 && elapsed - samples.ElementAt(1).At >= JitWindow)
            {
                samples.Dequeue();
            }

            var (from, jitThen) = samples.Peek();
            if (elapsed >= Shortest && elapsed - from >= JitWindow && jit - jitThen < quietBelow)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the JIT compiled {(jit - jitThen).TotalMilliseconds:N0} ms in the last {(elapsed - from).TotalSeconds:N2} s");
            }

            if (elapsed >= longest)
            {
                return string.Create(CultureInfo.InvariantCulture, $"stopped at {nameof(WarmupOptions.Longest)} ({options.Value.Longest:c}) with the JIT still compiling ({(jit - jitThen).TotalMilliseconds:N0} ms in the last {(elapsed - from).TotalSeconds:N2} s)");
            }
        }
    }

    /// <summary>
    /// One connection's requests at its share of the pace, JSON and text bodies in turn, every other one keyed, until
    /// <paramref name="done"/>; returns why it stopped before that.
    /// </summary>
    private async Task<string> SendAsync(HttpClient http, (byte[] Json, byte[] Text) bodies, int sender, CancellationToken done, CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds((double)Connections * EventsPerRequest / options.Value.EventsPerSecond);
        var next = time.GetTimestamp();
        for (var request = sender; !done.IsCancellationRequested; request += Connections)
        {
            var json = request % 2 == 0;
            using var message = new HttpRequestMessage(HttpMethod.Post, "v1/events")
            {
                Content = new ByteArrayContent(json ? bodies.Json : bodies.Text),
            };
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(json ? WarmupBodies.JsonContentType : WarmupBodies.TextContentType);
            if (request % 4 >= 2)
            {
                message.Headers.Add("Idempotency-Key", string.Create(CultureInfo.InvariantCulture, $"warmup-{Guid.NewGuid():N}"));
            }

            using var response = await http.SendAsync(message, stoppingToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    Interlocked.Increment(ref _requests);
                    Interlocked.Add(ref _events, EventsPerRequest);
                    break;
                case HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable:
                    // No processor yet, the hub not writable yet: waited out until Longest.
                    await PauseAsync(BusyPause, done);
                    break;
                default:
                    var body = await response.Content.ReadAsStringAsync(stoppingToken);
                    return $"stopped early: /v1/events answered {(int)response.StatusCode}: {(body.Length > 300 ? body[..300] : body)}";
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "The start-up warm-up's key {KeyId} could not be revoked; the next warm-up revokes it")]
    private static partial void LogKeyNotRevoked(ILogger logger, string keyId, Exception exception);
}
