using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Agent.Configuration;
using Orleans.EventPipeline.Client;

namespace Orleans.EventPipeline.Agent.Sources.HttpPoll;

/// <summary>
/// GETs a JSON endpoint on an interval and sends the items of each answer as JSON events, following the cursor
/// the answer names: <c>GET url?cursor=C</c> → <c>{"items":[...],"nextCursor":"D"}</c>. The cursor after a page
/// travels with that page's items into the spool, so a restart asks for the page after the last spooled one. A
/// page with items is followed at once by the next; an empty one waits the interval.
/// </summary>
internal sealed partial class HttpPollSource(HttpPollSourceOptions options, HttpClient http, EventPipelineClient client, ILogger logger, TimeProvider time) : IEventSource
{
    private readonly List<ReadOnlyMemory<byte>> _items = [];

    public string Name => $"http:{options.Url}";

    public bool Finite => false;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var cursor = client.Checkpoints.GetValueOrDefault(Name);
        while (true)
        {
            var more = false;
            try
            {
                (more, cursor) = await PollAsync(cursor, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or InvalidDataException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                LogPollFailed(logger, options.Url!, e.Message, options.Interval);
            }

            if (!more)
            {
                await Task.Delay(options.Interval, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<(bool More, string? Cursor)> PollAsync(string? cursor, CancellationToken cancellationToken)
    {
        var url = cursor is null ? options.Url! : new UriBuilder(options.Url!)
        {
            Query = (options.Url!.Query.Length > 1 ? options.Url.Query[1..] + "&" : "") + $"{Uri.EscapeDataString(options.CursorParameter)}={Uri.EscapeDataString(cursor)}",
        }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (options.Authorization.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Authorization", options.Authorization);
        }

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(options.ItemsField, out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"The answer has no '{options.ItemsField}' array (HttpPoll ItemsField).");
        }

        _items.Clear();
        foreach (var item in items.EnumerateArray())
        {
            // Written again compact: a pretty-printed item would span lines, and NDJSON is one event per line.
            using var compact = new MemoryStream();
            using (var writer = new Utf8JsonWriter(compact))
            {
                item.WriteTo(writer);
            }

            _items.Add(compact.ToArray());
        }

        var next = root.TryGetProperty(options.CursorField, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => cursor,
        } : cursor;
        await client.SendAsync(_items, next is null ? null : new SourceCheckpoint(Name, next), cancellationToken).ConfigureAwait(false);
        return (_items.Count > 0 && next != cursor, next);
    }

    [LoggerMessage(1, LogLevel.Warning, "Polling {Url} failed: {Reason}; tried again in {Interval}")]
    private static partial void LogPollFailed(ILogger logger, Uri url, string reason, TimeSpan interval);
}
