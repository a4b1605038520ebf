using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Amqp;

namespace Orleans.EventPipeline.EventHubsEmulator.Cbs;

/// <summary>
/// The <c>$cbs</c> node: answers put-token requests with 202, or 401 when the shared access
/// signature does not verify against the configured keys. An accepted token authorizes the
/// connection for the hub named in its audience.
/// </summary>
internal sealed partial class CbsNode(SasTokenValidator validator, ConnectionAuthorizations authorizations, ILogger logger) : RequestResponseNode
{
    public const string Address = "$cbs";

    protected override AmqpMessage Handle(AmqpConnection connection, AmqpMessage request)
    {
        PropertiesMap? properties = request.ApplicationProperties?.Map;
        string? operation = properties?["operation"] as string;
        string? type = properties?["type"] as string;
        string audience = properties?["name"] as string ?? string.Empty;
        if (operation != "put-token")
        {
            return Respond(400, $"Unsupported $cbs operation '{operation}'; only put-token is served.");
        }

        if (type != "servicebus.windows.net:sastoken")
        {
            return Respond(401, $"Token type '{type}' is not accepted; use a connection string with SharedAccessKeyName and SharedAccessKey.", AmqpErrorCode.UnauthorizedAccess);
        }

        string? failure = validator.Validate(request.ValueBody?.Value as string);
        if (failure is not null)
        {
            LogTokenRefused(logger, audience, failure);
            return Respond(401, failure, AmqpErrorCode.UnauthorizedAccess);
        }

        authorizations.Grant(connection, audience);
        return Respond(202, "Accepted");
    }
}
