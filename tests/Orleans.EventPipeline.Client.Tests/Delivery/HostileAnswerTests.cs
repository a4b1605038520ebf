using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Delivery;

/// <summary>Answers the gateway never gives (a proxy's, a misconfigured server's): the batch waits, bounded, and is delivered once the answer is right.</summary>
public sealed class HostileAnswerTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _spool = new();

    [Theory]
    // Task.Delay threw on these two: the send loop died, DrainAsync never returned (review finding 1).
    [InlineData("999999999")]
    [InlineData("Thu, 01 Jan 2037 00:00:00 GMT")]
    // Held every batch a day.
    [InlineData("86400")]
    // A hot loop: 27,954 requests in 10 s (finding 2).
    [InlineData("0")]
    [InlineData("Mon, 01 Jan 2001 00:00:00 GMT")]
    public async Task RetryAfter_OutOfReason_WaitsBetweenTheBackoffAndRetryMaxDelay_ThenDelivers(string retryAfter)
    {
        await using var gateway = new HostileGateway(async (attempt, context) =>
        {
            if (attempt < 3)
            {
                context.Response.StatusCode = 503;
                context.Response.AddHeader("Retry-After", retryAfter);
                return;
            }

            await HostileGateway.AcceptAsync(context, 5);
        });
        var options = TestClients.Options(gateway.Url, "key", _spool.Path);
        await using var client = new EventPipelineClient(options);
        client.Start();
        await client.SendAsync(NumberedEvents.Make("ra", 0, 5));

        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var attempts = gateway.Attempts.ToList();
        var gaps = attempts.Zip(attempts.Skip(1), static (a, b) => b - a).ToList();
        output.WriteLine($"Retry-After {retryAfter}: gaps {string.Join(", ", gaps.Select(static g => g.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
        Assert.Equal(4, attempts.Count);
        // At least RetryBaseDelay (100 ms, less the timer's 15 ms grain), at most RetryMaxDelay (1 s) and the request's own time.
        Assert.All(gaps, gap => Assert.InRange(gap, options.RetryBaseDelay - TimeSpan.FromMilliseconds(15), options.RetryMaxDelay + TimeSpan.FromSeconds(2)));
        Assert.Equal(5, client.Statistics.EventsAcknowledged);
        Assert.False(client.Statistics.Retrying);
    }

    [Fact]
    public async Task ARedirectNotFollowed_300_RetriedLikeAWrongEndpoint_NotDropped()
    {
        // "refused with 300, not retried, removed from the spool": 5 events lost (finding 7).
        await using var gateway = new HostileGateway(async (attempt, context) =>
        {
            if (attempt < 2)
            {
                context.Response.StatusCode = 300;
                return;
            }

            await HostileGateway.AcceptAsync(context, 5);
        });
        await using var client = new EventPipelineClient(TestClients.Options(gateway.Url, "key", _spool.Path));
        var failed = new ConcurrentQueue<BatchFailedEventArgs>();
        client.BatchFailed += (_, e) => failed.Enqueue(e);
        client.Start();
        await client.SendAsync(NumberedEvents.Make("rd", 0, 5));

        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(failed);
        Assert.Equal(3, gateway.Attempts.Count);
        Assert.Equal(5, client.Statistics.EventsAcknowledged);
        Assert.Equal(0, client.Statistics.EventsFailed);
    }

    [Fact]
    public async Task A200WithAHugeBody_IsNotTheGatewaysAnswer_NotBufferedWhole_Retried()
    {
        // A proxy's 200 of 400 MB took the client to 4.3 GB, on every retry (finding 5); 64 MiB here, padding a valid answer.
        const int Pad = 64 * 1024 * 1024;
        await using var gateway = new HostileGateway(async (attempt, context) =>
        {
            if (attempt > 0)
            {
                await HostileGateway.AcceptAsync(context, 5);
                return;
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = Pad + 64;
            var stream = context.Response.OutputStream;
            var head = Encoding.UTF8.GetBytes("{\"accepted\":5,\"rejected\":[],\"pad\":\"");
            await stream.WriteAsync(head);
            var chunk = new byte[1024 * 1024];
            Array.Fill(chunk, (byte)'x');
            for (var i = 0; i < Pad / chunk.Length; i++)
            {
                await stream.WriteAsync(chunk);
            }

            await stream.WriteAsync(Encoding.UTF8.GetBytes("\"}".PadRight(64 - head.Length + 2)));
        });
        await using var client = new EventPipelineClient(TestClients.Options(gateway.Url, "key", _spool.Path));
        client.Start();
        await client.SendAsync(NumberedEvents.Make("hb", 0, 5));

        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, gateway.Attempts.Count);
        Assert.Equal(5, client.Statistics.EventsAcknowledged);
        Assert.True(client.Statistics.Retries >= 1);
    }

    [Fact]
    public async Task AnUnexpectedErrorWhileSending_DoesNotStopTheSender()
    {
        // Anything that escaped the retry ended the send loop for good: the spool kept filling, nothing was sent.
        await using var gateway = new HostileGateway((_, context) => HostileGateway.AcceptAsync(context, 5));
        var handler = new ThrowsUntilReleased();
        await using var client = new EventPipelineClient(TestClients.Options(gateway.Url, "key", _spool.Path), handler: handler);
        client.Start();
        await client.SendAsync(NumberedEvents.Make("ue", 0, 5));
        await client.FlushAsync();

        // Said in Statistics while it lasts (a dead sender was seen nowhere), and waited out: not a request per loop.
        await Poll.UntilAsync(() => handler.Calls >= 3, TimeSpan.FromSeconds(30), () => $"{handler.Calls} attempts");
        Assert.Contains("a handler's bug", client.Statistics.SendingProblem, StringComparison.Ordinal);
        handler.Release();
        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Single(gateway.Attempts);
        Assert.Equal(5, client.Statistics.EventsAcknowledged);
        Assert.Null(client.Statistics.SendingProblem);
    }

    public void Dispose() => _spool.Dispose();

    /// <summary>Throws what no retry expects (a bug in a handler, say) until released; then it is the socket handler.</summary>
    private sealed class ThrowsUntilReleased() : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _calls;
        private volatile bool _released;

        public int Calls => Volatile.Read(ref _calls);

        public void Release() => _released = true;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return _released ? base.SendAsync(request, cancellationToken) : throw new InvalidOperationException("a handler's bug");
        }
    }
}
