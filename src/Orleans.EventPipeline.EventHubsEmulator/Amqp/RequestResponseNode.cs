using System.Collections.Concurrent;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;

namespace Orleans.EventPipeline.EventHubsEmulator.Amqp;

/// <summary>
/// A request/response node such as <c>$cbs</c> or <c>$management</c>: the client attaches a sender
/// (requests, target = node) and a receiver (responses, source = node, target = its reply-to
/// address). Each response goes, settled, to the link whose target matches the request's reply-to.
/// </summary>
internal abstract class RequestResponseNode
{
    // Requests are small and answered at once; 50 outstanding per link is ample for the SDK,
    // which sends one request at a time per link.
    private const uint RequestCredit = 50;

    // Keyed by connection too: clients reuse fixed reply-to names (e.g. "cbs") on every connection.
    private readonly ConcurrentDictionary<(AmqpConnection Connection, string ReplyTo), SendingAmqpLink> _responseLinks = new();

    public void Attach(AmqpLink link)
    {
        if (link is ReceivingAmqpLink requests)
        {
            requests.RegisterMessageListener(message => OnRequest(requests, message));
            requests.SetTotalLinkCredit(RequestCredit, applyNow: true, updateAutoFlow: true);
            return;
        }

        var responses = (SendingAmqpLink)link;
        (AmqpConnection, string) key = (responses.Session.Connection, (responses.Settings.Target as Target)?.Address?.ToString() ?? string.Empty);
        _responseLinks[key] = responses;
        responses.SafeAddClosed((_, _) => _responseLinks.TryRemove(new KeyValuePair<(AmqpConnection, string), SendingAmqpLink>(key, responses)));
    }

    private void OnRequest(ReceivingAmqpLink requests, AmqpMessage request)
    {
        using (request)
        {
            if (!request.Settled)
            {
                requests.DisposeMessage(request, AmqpConstants.AcceptedOutcome, settled: true, batchable: false);
            }

            string? replyTo = request.Properties?.ReplyTo?.ToString();
            if (replyTo is null || !_responseLinks.TryGetValue((requests.Session.Connection, replyTo), out SendingAmqpLink? responses))
            {
                return;
            }

            AmqpMessage response = Handle(requests.Session.Connection, request);
            response.Properties.CorrelationId = request.Properties!.MessageId;
            responses.SendMessageNoWait(response, new ArraySegment<byte>(Guid.NewGuid().ToByteArray()), AmqpConstants.NullBinary);
        }
    }

    /// <summary>Builds the response to one request; never throws for bad input (it answers with an error status).</summary>
    protected abstract AmqpMessage Handle(AmqpConnection connection, AmqpMessage request);

    protected static AmqpMessage Respond(int statusCode, string description, AmqpSymbol errorCondition = default, AmqpMessage? response = null)
    {
        response ??= AmqpMessage.Create();
        // The SDK reads status-code as an int; a long makes it throw InvalidCastException.
        response.ApplicationProperties.Map["status-code"] = statusCode;
        response.ApplicationProperties.Map["status-description"] = description;
        if (errorCondition.Value is not null)
        {
            response.ApplicationProperties.Map["error-condition"] = errorCondition;
        }

        return response;
    }
}
