using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.Client.Tests.Support;

/// <summary>
/// A real HTTP server on loopback that answers the client's batches as a test says (a proxy's odd answers, a
/// Retry-After the gateway would never send), recording when each attempt came.
/// </summary>
internal sealed class HostileGateway : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    /// <param name="answer">Answers attempt n (from 0) of whatever batch comes.</param>
    public HostileGateway(Func<int, HttpListenerContext, Task> answer)
    {
        var port = FreeTcpPorts.Pick(1)[0];
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _serving = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                var attempt = Attempts.Count;
                Attempts.Enqueue(DateTimeOffset.UtcNow);
                try
                {
                    // The body is read whole, as a gateway would, before answering.
                    await context.Request.InputStream.CopyToAsync(Stream.Null);
                    await answer(attempt, context);
                    context.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
                {
                    // The client gave up on this answer (its cap, its timeout): the next attempt comes on a new request.
                }
            }
        });
    }

    public Uri Url { get; }

    /// <summary>When each request came, in order.</summary>
    public ConcurrentQueue<DateTimeOffset> Attempts { get; } = new();

    /// <summary>The gateway's 200 answer for a batch of <paramref name="events"/> events, none rejected.</summary>
    public static async Task AcceptAsync(HttpListenerContext context, int events)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"accepted\":{events},\"rejected\":[],\"replayed\":false}}"));
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
