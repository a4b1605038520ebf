using System.Collections.Concurrent;
using System.Net;

namespace Orleans.EventPipeline.Client.Tests.Support;

/// <summary>One attempt the client made, as it went over real HTTP: when, under which key, and the answer (its body buffered, so the client still reads it).</summary>
internal sealed record Attempt(DateTimeOffset Started, string Key, HttpStatusCode? Status, TimeSpan? RetryAfter, string Body = "");

/// <summary>
/// Passes every request on to the real socket handler and records it, so a test sees the client's attempts; while
/// <see cref="Unavailable"/>, answers 503 itself, as a gateway that is down for a while. <see cref="GoesDownAfter"/> makes
/// it go down right after an answer, before the client can send anything else.
/// </summary>
internal sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private volatile bool _unavailable;

    public ConcurrentQueue<Attempt> Attempts { get; } = new();

    public bool Unavailable
    {
        get => _unavailable;
        set => _unavailable = value;
    }

    /// <summary>When it holds for an attempt answered by the gateway, <see cref="Unavailable"/> is set before the client sees the answer.</summary>
    public Func<Attempt, bool>? GoesDownAfter { get; init; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var key = request.Headers.GetValues("Idempotency-Key").Single();
        if (_unavailable)
        {
            Attempts.Enqueue(new Attempt(started, key, HttpStatusCode.ServiceUnavailable, null));
            return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request };
        }

        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var attempt = new Attempt(started, key, response.StatusCode, response.Headers.RetryAfter?.Delta, await response.Content.ReadAsStringAsync(cancellationToken));
            Attempts.Enqueue(attempt);
            if (GoesDownAfter?.Invoke(attempt) == true)
            {
                _unavailable = true;
            }

            return response;
        }
        catch (HttpRequestException)
        {
            Attempts.Enqueue(new Attempt(started, key, null, null));
            throw;
        }
    }
}
