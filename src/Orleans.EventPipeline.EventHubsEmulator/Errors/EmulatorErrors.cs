using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;

namespace Orleans.EventPipeline.EventHubsEmulator.Errors;

/// <summary>
/// The AMQP errors the emulator sends. Conditions and wording follow what the Event Hubs SDK maps to
/// typed exceptions (for example "could not be found" plus amqp:not-found becomes a non-retriable
/// EventHubsException with reason ResourceNotFound).
/// </summary>
internal static class EmulatorErrors
{
    public static readonly AmqpSymbol LinkStolen = "amqp:link:stolen";
    public static readonly AmqpSymbol MessageSizeExceeded = "amqp:link:message-size-exceeded";

    public static AmqpException EntityNotFound(string entity) =>
        new(AmqpErrorCode.NotFound, $"The messaging entity '{entity}' could not be found.");

    public static AmqpException Stolen(string description) =>
        new(new Microsoft.Azure.Amqp.Framing.Error { Condition = LinkStolen, Description = description });

    public static AmqpException ReceiverLimit(string entity, int limit) =>
        new(AmqpErrorCode.ResourceLimitExceeded,
            $"Exceeded the maximum number of allowed receivers per partition in a consumer group which is {limit}. Entity: '{entity}'.");

    public static AmqpException NotImplemented(string what) => new(AmqpErrorCode.NotImplemented, what);

    public static AmqpException Corruption(string entity, string detail) =>
        new(AmqpErrorCode.InternalError, $"The stored data of '{entity}' is corrupt and cannot be served: {detail}");

    public static AmqpException Internal(string entity, string detail) =>
        new(AmqpErrorCode.InternalError, $"The emulator failed while serving '{entity}': {detail}");

    public static Microsoft.Azure.Amqp.Framing.Error TooLarge(long size, long limit) => new()
    {
        Condition = MessageSizeExceeded,
        Description = $"The message of {size} bytes is larger than the maximum allowed size of {limit} bytes (EmulatorOptions.MaxMessageSizeBytes).",
    };

    public static Microsoft.Azure.Amqp.Framing.Error StoreFailed(string entity, string detail) => new()
    {
        Condition = AmqpErrorCode.InternalError,
        Description = $"The events could not be stored in '{entity}': {detail}",
    };
}
