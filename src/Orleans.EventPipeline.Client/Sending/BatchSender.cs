using System.Net;
using System.Net.Http.Headers;
using Orleans.EventPipeline.Client.Diagnostics;
using Orleans.EventPipeline.Client.Spool;
using Polly;
using Polly.Retry;

namespace Orleans.EventPipeline.Client.Sending;

/// <summary>What became of one batch: acknowledged (with the gateway's answer), or refused for good.</summary>
internal sealed record SendOutcome(IngestAnswer? Answer, HttpStatusCode Status, string Detail);

/// <summary>
/// POSTs one spooled batch until the gateway answers for good: retries (through Polly) connection failures,
/// timeouts, a 2xx that is not the gateway's answer, 3xx, 401, 403, 404, 405, 408, 429 and 5xx with exponential backoff and jitter, waiting a 429's or 503's <c>Retry-After</c>
/// instead when it gives one (kept between the backoff and <see cref="EventPipelineClientOptions.RetryMaxDelay"/>); every attempt carries the batch's idempotency key, so a batch the gateway stored
/// but whose answer was lost is answered again, not stored twice. Any other answer ends the batch.
/// </summary>
internal sealed class BatchSender
{
    private readonly HttpClient _http;
    private readonly EventPipelineClientOptions _options;
    private readonly ClientInstruments _instruments;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly Uri _ingest;

    public BatchSender(HttpClient http, EventPipelineClientOptions options, ClientInstruments instruments, Action<SpooledBatch, string> onRetry)
    {
        _http = http;
        _options = options;
        _instruments = instruments;
        _ingest = new Uri(AsFolder(options.Endpoint!), "v1/events");
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = options.TimeProvider }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                // Until acknowledged: the batch is on disk, and giving up would be a silent drop.
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException } => true,
                    // HttpClient's own timeout; the caller's cancellation is not a failure to retry.
                    { Exception: OperationCanceledException } => !args.Context.CancellationToken.IsCancellationRequested,
                    { Result: { } response } => IsTransient(response.StatusCode),
                    _ => false,
                }),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, args.AttemptNumber)),
                OnRetry = args =>
                {
                    _instruments.Retried();
                    var batch = args.Context.Properties.GetValue(BatchKey, null!);
                    onRetry(batch, args.Outcome.Exception?.Message ?? $"{(int)args.Outcome.Result!.StatusCode} {args.Outcome.Result.ReasonPhrase}, next attempt in {args.RetryDelay.TotalMilliseconds:F0} ms");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private static readonly ResiliencePropertyKey<SpooledBatch> BatchKey = new("batch");

    public async Task<SendOutcome> SendAsync(SpooledBatch batch, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(BatchKey, batch);
        try
        {
            IngestAnswer? answer = null;
            using var response = await _pipeline.ExecuteAsync(
                async (context, state) =>
                {
                    using var request = state.Sender.Request(state.Batch);
                    // Headers only: the body is read here, bounded, and HttpClient.Timeout does not cover a body read
                    // after the headers, so RequestTimeout bounds the whole attempt (a proxy dripping its body never ends one).
                    using var attempt = new Deadline(state.Sender._options, context.CancellationToken);
                    var response = await state.Sender._http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        // A 2xx that is not the gateway's answer (a proxy's page, another service on the port) says nothing
                        // about the batch: retried like a connection failure, so the send goes on once the endpoint is right.
                        // So is one larger than any answer of the gateway's: a proxy's 200 of 400 MB, buffered whole on every
                        // attempt, took the client to 4.3 GB.
                        var limit = AnswerLimit(state.Batch.EventCount);
                        byte[] body;
                        try
                        {
                            body = await ReadAtMostAsync(response.Content, limit, attempt.Token).ConfigureAwait(false);
                        }
                        catch
                        {
                            response.Dispose();
                            throw;
                        }

                        answer = body.Length > limit ? null : IngestAnswer.TryParse(body);
                        if (answer is null)
                        {
                            response.Dispose();
                            throw new HttpRequestException(body.Length > limit
                                ? $"{(int)response.StatusCode} {response.ReasonPhrase} from {state.Sender._ingest} is not the gateway's ingest answer (more than {limit} bytes, the most an answer for {state.Batch.EventCount} events holds: {Preview(body)}); check Endpoint."
                                : $"{(int)response.StatusCode} {response.ReasonPhrase} from {state.Sender._ingest} is not the gateway's ingest answer ({body.Length} bytes: {Preview(body)}); check Endpoint.");
                        }
                    }

                    return response;
                },
                context,
                (Sender: this, Batch: batch)).ConfigureAwait(false);
            return answer is not null
                ? new SendOutcome(answer, response.StatusCode, "")
                : new SendOutcome(null, response.StatusCode, await DetailAsync(response.Content, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // The gateway's answer lists each rejected event with its index and reason (a reason is a sentence, its detail
    // cut at a few hundred bytes): 1 MiB, plus 1 KiB per event of the batch, is more than any answer of its.
    private static int AnswerLimit(int events) => (int)Math.Min(1024L * 1024 + 1024L * events, int.MaxValue - 1);

    // A refusal's problem+json names the problem in a few hundred bytes; 64 KiB of a larger body is kept for the log.
    private const int DetailLimit = 64 * 1024;

    // Read under its own RequestTimeout: the attempt's deadline is gone once the headers came, and a proxy that sends a
    // refusal's headers and then stalls held the send loop, every later batch behind it, until the connection dropped.
    private async Task<string> DetailAsync(HttpContent content, CancellationToken cancellationToken)
    {
        using var read = new Deadline(_options, cancellationToken);
        byte[] body;
        try
        {
            body = await ReadAtMostAsync(content, DetailLimit, read.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (read.Expired && !cancellationToken.IsCancellationRequested)
        {
            return $"(its body did not arrive within RequestTimeout, {_options.RequestTimeout})";
        }

        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, DetailLimit));
        return body.Length > DetailLimit ? text + "…" : text;
    }

    /// <summary>A caller's token that is also cancelled after RequestTimeout, on the options' TimeProvider: one attempt, or one read, bounded on its own.</summary>
    private sealed class Deadline : IDisposable
    {
        private readonly CancellationTokenSource _timeout;
        private readonly CancellationTokenSource _linked;

        public Deadline(EventPipelineClientOptions options, CancellationToken cancellationToken)
        {
            _timeout = new CancellationTokenSource(options.RequestTimeout, options.TimeProvider);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
        }

        public CancellationToken Token => _linked.Token;

        /// <summary>RequestTimeout passed (the caller's token may be cancelled too).</summary>
        public bool Expired => _timeout.IsCancellationRequested;

        public void Dispose()
        {
            _linked.Dispose();
            _timeout.Dispose();
        }
    }

    /// <summary>The body, or its first <paramref name="limit"/> + 1 bytes when it is longer (the rest is not read).</summary>
    private static async Task<byte[]> ReadAtMostAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream();
        var chunk = new byte[Math.Min(81_920, limit + 1)];
        while (buffer.Length <= limit)
        {
            var read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit + 1 - buffer.Length)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private HttpRequestMessage Request(SpooledBatch batch)
    {
        var content = new ByteArrayContent(batch.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue(batch.ContentType == EventContentType.TextLines ? "text/plain" : "application/x-ndjson") { CharSet = "utf-8" };
        if (batch.Gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _ingest) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        request.Headers.Add("Idempotency-Key", batch.Key);
        return request;
    }

    // 401 and 403 too: a key revoked too early or a tenant disabled for a while is an operator's to fix, and
    // the spooled events must still be there when they do (bounded by MaxSpoolBytes, each attempt reported). So are 404
    // and 405: the gateway answers them for no batch, so the Endpoint (a path prefix, a proxy's route) is wrong; and
    // any 3xx HttpClient did not follow (300, or https to http): the gateway never redirects, so it is an Endpoint to fix too.
    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed
        || (int)status is >= 300 and < 400
        || (int)status >= 500;

    /// <summary>The endpoint as a folder: <c>http://host/prefix</c> and <c>http://host/prefix/</c> both post to <c>http://host/prefix/v1/events</c>.</summary>
    private static Uri AsFolder(Uri endpoint) =>
        endpoint.AbsolutePath.EndsWith('/') ? endpoint : new UriBuilder(endpoint) { Path = endpoint.AbsolutePath + "/" }.Uri;

    // The start of an answer that is not the gateway's, for the log: 64 characters, one line.
    private static string Preview(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 64)).ReplaceLineEndings(" ");
        return body.Length > 64 ? text + "…" : text;
    }

    /// <summary>
    /// The wait a 429 or 503 asks for, kept between the backoff of this attempt and RetryMaxDelay; null leaves the
    /// backoff to choose. Unclamped, <c>Retry-After: 999999999</c> (or a date in 2037) made Task.Delay throw and stopped
    /// the sending, 86400 held every batch a day, and 0 (or a date past) sent 27,954 requests in 10 s.
    /// </summary>
    private TimeSpan? RetryAfter(HttpResponseMessage? response, int attempt)
    {
        if (response is not { StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable } || response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        var asked = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - _options.TimeProvider.GetUtcNow() : null);
        if (asked is not { } wait)
        {
            return null;
        }

        var backoff = Backoff(_options, attempt);
        return wait < backoff ? backoff : wait > _options.RetryMaxDelay ? _options.RetryMaxDelay : wait;
    }

    /// <summary>RetryBaseDelay doubled per attempt (from 0), at most RetryMaxDelay: the least wait before attempt + 1.</summary>
    internal static TimeSpan Backoff(EventPipelineClientOptions options, int attempt)
    {
        // In doubles, compared before converting back: past about 2^40 the ticks would overflow a long.
        var factor = Math.Pow(2, Math.Min(attempt, 62));
        var ticks = options.RetryBaseDelay.Ticks * factor;
        return ticks >= options.RetryMaxDelay.Ticks ? options.RetryMaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}
